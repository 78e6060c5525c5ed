import { describe } from 'node:test';
import { postgresKind, postgresUrl } from '../support/databases.js';
import { storageContract } from './contract.js';
import { storageFlowContract } from './contract-flow.js';
import { storageCleanupContract } from './contract-cleanup.js';
import { storageClientListingContract } from './contract-client-listing.js';
import { storageOperatorContract } from './contract-operator.js';
import { storageSecretsAtRestContract } from './contract-secrets-at-rest.js';
import { storageIdentitiesContract } from './contract-identities.js';
import { storageRetentionContract } from './contract-retention.js';
import { storagePushedRequestsContract } from './contract-pushed-requests.js';

describe('PostgreSQL storage', { skip: postgresUrl ? false : 'TEST_DATABASE_URL is not set' }, () => {
  storageContract(postgresKind);
  storageFlowContract(postgresKind);
  storageClientListingContract(postgresKind);
  storageOperatorContract(postgresKind);
  storageCleanupContract(postgresKind);
  storageSecretsAtRestContract(postgresKind);
  storageIdentitiesContract(postgresKind);
  storageRetentionContract(postgresKind);
  storagePushedRequestsContract(postgresKind);
});
