import { describe } from 'node:test';
import { sqliteKind } from '../support/databases.js';
import { storageContract } from './contract.js';

describe('SQLite storage', () => storageContract(sqliteKind));
