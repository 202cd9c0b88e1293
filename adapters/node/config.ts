import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import ajvFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { nodeSchemas } from '../../contracts/index.ts';
import type { DatabaseSource, DatabaseTarget, NodeConfig, NodeJob, ReceiveJob } from '../../contracts/generated/node.ts';

/** A configuration that cannot be used, with every problem at once, each at its path in the file. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.length} problem(s)\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

/** A database source or target with its connection URL read from its file. */
export type Connected<T extends DatabaseSource | DatabaseTarget> = T & { readonly url: string };
export type LoadedJob = Omit<NodeJob, 'source'> & { source: Exclude<NodeJob['source'], DatabaseSource> | Connected<DatabaseSource> };
export type LoadedReceiveJob = Omit<ReceiveJob, 'target'> & { target: Connected<DatabaseTarget> };

/** A node's configuration, checked, with paths made absolute and secrets read. */
export interface LoadedConfig extends Omit<NodeConfig, 'jobs' | 'receive'> {
  readonly file: string;
  readonly apiKey: string;
  readonly privateKeyPem: string;
  /** the key business systems present to POST /push; null without http-intake jobs */
  readonly intakeKey: string | null;
  readonly jobs: LoadedJob[];
  readonly receive: LoadedReceiveJob[];
}

// ajv-formats is CommonJS: its plugin function is the module's `default` export
const ajvFormats = (ajvFormatsModule as unknown as { default: (ajv: Ajv) => Ajv }).default;
const ajv = ajvFormats(new Ajv({ allErrors: true, useDefaults: true, strict: false, discriminator: true, verbose: true }));
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
    case 'discriminator': {
      // the kinds the alternatives name: a const or an enum of their tag
      const kinds = ((e.parentSchema as { oneOf?: { $ref: string }[] }).oneOf ?? []).flatMap((branch) => {
        const tag = (ajv.getSchema(branch.$ref)?.schema as { properties?: Record<string, { const?: string; enum?: string[] }> } | undefined)?.properties?.[e.params.tag];
        return tag?.const ? [tag.const] : (tag?.enum ?? []);
      });
      return `${at}/${e.params.tag}: must be one of ${kinds.join(', ')}`;
    }
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
  const jobs = config.jobs ?? [];
  const receive = config.receive ?? [];
  if (jobs.length + receive.length === 0) problems.push('/jobs: give at least one job (or /receive job)');
  [...jobs.map((j, i) => [j.name, `/jobs/${i}`] as const), ...receive.map((j, i) => [j.name, `/receive/${i}`] as const)].forEach(([name, at]) => {
    if (names.has(name)) problems.push(`${at}/name: "${name}" names another job too`);
    names.add(name);
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
  const pushing = jobs.some((j) => j.source.kind === 'http-intake');
  if (pushing && !config.listen?.apiKeyFile) problems.push('/listen/apiKeyFile: is missing (a job takes pushes: business systems need a key to push with)');
  const intakeKey = pushing && config.listen?.apiKeyFile ? secret('/listen/apiKeyFile', config.listen.apiKeyFile) : null;
  const loadedJobs = jobs.map((j, i): LoadedJob => {
    const source = j.source;
    return {
      ...j,
      source:
        source.kind === 'file-drop'
          ? { ...source, folder: resolve(source.folder) }
          : source.kind === 'http-intake'
            ? source
            : { ...source, url: secret(`/jobs/${i}/source/urlFile`, source.urlFile) },
      ...(j.mapping?.hook ? { mapping: { ...j.mapping, hook: resolve(j.mapping.hook) } } : {}),
    };
  });
  const loadedReceive = receive.map((j, i): LoadedReceiveJob => ({ ...j, target: { ...j.target, url: secret(`/receive/${i}/target/urlFile`, j.target.urlFile) } }));
  if (problems.length) throw new ConfigError(absolute, problems);
  return {
    ...config,
    file: absolute,
    apiKey,
    privateKeyPem,
    intakeKey,
    exchange: { ...config.exchange, url: config.exchange.url.replace(/\/+$/, '') },
    spool: resolve(config.spool ?? 'spool.db'),
    jobs: loadedJobs,
    receive: loadedReceive,
  };
}
