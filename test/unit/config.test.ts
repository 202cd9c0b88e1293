import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../exchange/config.ts';

describe('loadConfig', () => {
  it('has documented defaults', () => {
    const c = loadConfig({});
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.port, 8080);
    assert.equal(c.home, path.resolve('.brx'));
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.dbPoolSize, 10);
    assert.ok(Object.isFrozen(c));
  });

  it('names the variable that is wrong', () => {
    assert.throws(() => loadConfig({ BRX_PORT: 'eighty' }), (e: Error) => e instanceof ConfigError && /BRX_PORT/.test(e.message));
    assert.throws(() => loadConfig({ BRX_DB_POOL_SIZE: '0' }), /BRX_DB_POOL_SIZE/);
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
    assert.throws(() => loadConfig({ BRX_ADMIN_PASSWORD: 'short' }), /BRX_ADMIN_PASSWORD/);
    assert.throws(() => loadConfig({ BRX_LOG_LEVEL: 'loud' }), /BRX_LOG_LEVEL/);
  });
});
