import { describe } from 'node:test';
import { mariadbMissing, withDeptExchange } from '../support/dept-db.ts';
import { publishingScenario } from './node-publishing.ts';

withDeptExchange();
describe('a MariaDB table published by the police node', { skip: mariadbMissing }, () => publishingScenario('mysql', 1_000_000));
