import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { nodeSchemas } from '../../contracts/index.ts';
import type { NodeConfig } from '../../contracts/generated/node.ts';

/** A configuration that cannot be used, with every problem at once, each at its path in the file. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** A node's configuration, checked, with paths made absolute and secrets read. */
export interface LoadedConfig extends NodeConfig {
  readonly file: string;
  readonly apiKey: string;
  readonly privateKeyPem: string;
}

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
for (const schema of nodeSchemas) ajv.addSchema(schema);
const validate = ajv.getSchema('NodeConfig#')!;

/** `/jobs/0/source/format: must be one of csv, ndjson` — the words a person fixing the file needs. */
function describe(e: ErrorObject): string {
  const at = e.instancePath || '/';
  switch (e.keyword) {
    case 'required':
      return `${at === '/' ? '' : at}/${e.params.missingProperty}: is missing`;
    case 'additionalProperties':
      return `${at === '/' ? '' : at}/${e.params.additionalProperty}: is not a setting (a typo?)`;
    case 'enum':
      return `${at}: must be one of ${(e.params.allowedValues as unknown[]).join(', ')}`;
    case 'const':
      return `${at}: must be ${JSON.stringify(e.params.allowedValue)}`;
    default:
      return `${at}: ${e.message}`;
  }
}

/**
 * Reads node.yaml (or .json), reports every bad key, type or missing value at once, and resolves
 * files relative to the configuration's folder. `oneOf` alternatives (transforms) report the
 * failure of each branch; only the most specific messages are kept.
 */
export function loadConfig(file: string): LoadedConfig {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new ConfigError(absolute, [`cannot be read: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    raw = /\.json$/i.test(absolute) ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(absolute, [`is not valid ${/\.json$/i.test(absolute) ? 'JSON' : 'YAML'}: ${(error as Error).message}`]);
  }
  if (!validate(raw)) {
    const problems = [...new Set((validate.errors ?? []).filter((e) => e.keyword !== 'oneOf').map(describe))];
    throw new ConfigError(absolute, problems);
  }
  const config = raw as NodeConfig;
  const dir = path.dirname(absolute);
  const resolve = (p: string) => path.resolve(dir, p);
  const problems: string[] = [];
  const names = new Set<string>();
  config.jobs.forEach((job, i) => {
    if (names.has(job.name)) problems.push(`/jobs/${i}/name: "${job.name}" names another job too`);
    names.add(job.name);
  });
  const secret = (pointer: string, p: string) => {
    try {
      return readFileSync(resolve(p), 'utf8').trim();
    } catch (error) {
      problems.push(`${pointer}: ${resolve(p)} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      return '';
    }
  };
  const apiKey = secret('/exchange/apiKeyFile', config.exchange.apiKeyFile);
  const privateKeyPem = secret('/exchange/privateKeyFile', config.exchange.privateKeyFile);
  if (problems.length) throw new ConfigError(absolute, problems);
  return {
    ...config,
    file: absolute,
    apiKey,
    privateKeyPem,
    exchange: { ...config.exchange, url: config.exchange.url.replace(/\/+$/, '') },
    spool: resolve(config.spool ?? 'spool.db'),
    jobs: config.jobs.map((j) => ({
      ...j,
      source: { ...j.source, folder: resolve(j.source.folder) },
      ...(j.mapping?.hook ? { mapping: { ...j.mapping, hook: resolve(j.mapping.hook) } } : {}),
    })) as NodeConfig['jobs'],
  };
}
