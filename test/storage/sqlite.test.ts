import { describe } from 'node:test';
import { sqliteKind } from '../support/databases.js';
import { storageContract } from './contract.js';
import { storageFlowContract } from './contract-flow.js';
import { storageCleanupContract } from './contract-cleanup.js';
import { storageClientListingContract } from './contract-client-listing.js';
import { storageOperatorContract } from './contract-operator.js';
import { storageSecretsAtRestContract } from './contract-secrets-at-rest.js';
import { storageIdentitiesContract } from './contract-identities.js';
import { storageRetentionContract } from './contract-retention.js';
import { storagePushedRequestsContract } from './contract-pushed-requests.js';

describe('SQLite storage', () => {
  storageContract(sqliteKind);
  storageFlowContract(sqliteKind);
  storageClientListingContract(sqliteKind);
  storageOperatorContract(sqliteKind);
  storageCleanupContract(sqliteKind);
  storageSecretsAtRestContract(sqliteKind);
  storageIdentitiesContract(sqliteKind);
  storageRetentionContract(sqliteKind);
  storagePushedRequestsContract(sqliteKind);
});
