import { describe } from 'node:test';
import { withDeptExchange } from '../support/dept-db.ts';
import { publishingScenario } from './node-publishing.ts';

withDeptExchange();
describe('a PostgreSQL table published by the police node', () => publishingScenario('postgres', 0));
