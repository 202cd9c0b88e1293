import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import ajvFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import { identifierFormats } from '../../registries/identifiers/formats.ts';

/**
 * Holds the OpenAPI document to what the server really sends: every response the integration
 * tests get through `TestApp.call` is checked against the app's own document (the one served at
 * /openapi.json) — its status must be declared for that path and method, its content type
 * declared for that status, and its body valid against the declared schema. A drift fails the
 * test that met it, naming the route, the status and what is wrong.
 */

// ajv-formats is CommonJS: its plugin function is the module's `default` export
const ajvFormats = (ajvFormatsModule as unknown as { default: (ajv: Ajv) => Ajv }).default;

/** What the checker needs of a response (a light-my-request response has it all). */
export interface SeenResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly body: string;
}

interface MediaType {
  readonly schema?: unknown;
}
interface ResponseObject {
  readonly content?: Record<string, MediaType>;
}
interface Operation {
  readonly responses?: Record<string, ResponseObject>;
}
export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components?: Record<string, unknown>;
}

interface PathTemplate {
  readonly template: string;
  readonly pattern: RegExp;
  /** 1 per static segment, 0 per parameter: the router prefers static segments, left to right */
  readonly rank: readonly number[];
}

const documentId = 'brx-openapi.json';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function templateOf(template: string): PathTemplate {
  const segments = template.split('/');
  const pattern = new RegExp(`^${segments.map((s) => (/^\{[^}]+\}$/.test(s) ? '[^/]+' : escapeRegExp(s))).join('/')}$`);
  return { template, pattern, rank: segments.map((s) => (/^\{[^}]+\}$/.test(s) ? 0 : 1)) };
}

function byRank(a: PathTemplate, b: PathTemplate): number {
  for (let i = 0; i < Math.min(a.rank.length, b.rank.length); i++) if (a.rank[i] !== b.rank[i]) return b.rank[i]! - a.rank[i]!;
  return 0;
}

/** `#/components/…` refs of the served document, made to point into the copy ajv holds. */
function anchored(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(anchored);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `${documentId}${v}` : anchored(v)]),
  );
}

function mediaTypeOf(header: SeenResponse['headers'][string]): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  return value === undefined ? undefined : String(value).split(';')[0]!.trim().toLowerCase();
}

function declaredMedia(content: Record<string, MediaType>, media: string): string | undefined {
  if (media in content) return media;
  const [type] = media.split('/');
  return Object.keys(content).find((k) => k === `${type}/*` || k === '*/*');
}

function describeErrors(errors: readonly ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .slice(0, 5)
    .map((e) => {
      const extra =
        e.keyword === 'additionalProperties'
          ? ` (${String(e.params.additionalProperty)})`
          : e.keyword === 'enum'
            ? ` (${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`
            : '';
      return `${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}`;
    })
    .join('; ');
}

export class OpenApiChecker {
  readonly #document: OpenApiDocument;
  readonly #templates: readonly PathTemplate[];
  readonly #ajv: Ajv;
  readonly #compiled = new Map<string, ValidateFunction>();

  constructor(document: OpenApiDocument) {
    this.#document = document;
    this.#templates = Object.keys(document.paths).map(templateOf).sort(byRank);
    // responses are validated as they are, never coerced or filled with defaults
    this.#ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
    ajvFormats(this.#ajv);
    for (const [name, validate] of Object.entries(identifierFormats)) this.#ajv.addFormat(name, { type: 'string', validate });
    this.#ajv.addSchema({ $id: documentId, components: anchored(document.components ?? {}) });
  }

  /** What is wrong with this response by the document, or undefined when nothing is. */
  problemWith(method: string, url: string, response: SeenResponse): string | undefined {
    const path = url.split('?')[0]!.split('#')[0]!;
    const verb = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    const template = this.#templates.find((t) => t.pattern.test(path) && this.#document.paths[t.template]?.[verb]);
    const status = String(response.statusCode);
    const media = mediaTypeOf(response.headers['content-type']);
    if (!template) {
      // outside /v1 live the undocumented helpers (/docs, /metrics, /openapi.json)
      if (!path.startsWith('/v1')) return undefined;
      if (status !== '404') return `${method} ${path} is not in the OpenAPI document, yet answered ${status}`;
      return media === 'application/problem+json' ? this.#bodyProblem({ $ref: `${documentId}#/components/schemas/Problem` }, 'problem', media, response.body) : `${method} ${path} answered 404 as ${media ?? 'no content type'}, not application/problem+json`;
    }
    const route = `${method.toUpperCase()} ${template.template}`;
    const operation = this.#document.paths[template.template]![verb]!;
    const responses = operation.responses ?? {};
    const declared = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
    if (!declared) return `${route} answered ${status}, which the OpenAPI document does not declare (declared: ${Object.keys(responses).join(', ')})`;
    if (method.toLowerCase() === 'head') return undefined;
    const content = declared.content ?? {};
    if (Object.keys(content).length === 0) {
      return response.body.length === 0 ? undefined : `${route} ${status} sends a body (${media ?? 'no content type'}) where the OpenAPI document declares none`;
    }
    if (!media) return `${route} ${status} has no content type; the OpenAPI document declares ${Object.keys(content).join(', ')}`;
    const key = declaredMedia(content, media);
    if (!key) return `${route} ${status} is sent as ${media}, but the OpenAPI document declares ${Object.keys(content).join(', ')}`;
    const schema = content[key]!.schema;
    if (schema === undefined) return undefined;
    const problem = this.#bodyProblem(anchored(schema), `${route} ${status} ${key}`, media, response.body);
    return problem && `${route} ${status}: ${problem}`;
  }

  #validator(cacheKey: string, schema: unknown): ValidateFunction {
    let validate = this.#compiled.get(cacheKey);
    if (!validate) {
      validate = this.#ajv.compile(schema as object);
      this.#compiled.set(cacheKey, validate);
    }
    return validate;
  }

  #bodyProblem(schema: unknown, cacheKey: string, media: string, body: string): string | undefined {
    const validate = this.#validator(cacheKey, schema);
    // an NDJSON body is a sequence of JSON texts: its schema is that of one line
    if (media === 'application/x-ndjson') {
      const lines = body.split('\n').filter((l) => l.length > 0);
      for (const [i, line] of lines.entries()) {
        const problem = this.#valueProblem(validate, line, `line ${i + 1}`);
        if (problem) return problem;
      }
      return undefined;
    }
    if (media === 'application/json' || media.endsWith('+json')) return this.#valueProblem(validate, body, 'body');
    return validate(body) ? undefined : `body breaks its schema: ${describeErrors(validate.errors)}`;
  }

  #valueProblem(validate: ValidateFunction, text: string, what: string): string | undefined {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return `${what} is not JSON: ${text.slice(0, 200)}`;
    }
    return validate(value) ? undefined : `${what} breaks its schema: ${describeErrors(validate.errors)}`;
  }
}

const checkers = new WeakMap<FastifyInstance, OpenApiChecker>();

/** The checker of an app's own document, compiled once per app. */
export async function checkerFor(app: FastifyInstance): Promise<OpenApiChecker> {
  let checker = checkers.get(app);
  if (!checker) {
    await app.ready();
    checker = new OpenApiChecker(app.swagger() as unknown as OpenApiDocument);
    checkers.set(app, checker);
  }
  return checker;
}

/** Throws when the response is not what the app's OpenAPI document says it sends. */
export async function assertDocumented(app: FastifyInstance, method: string, url: string, response: SeenResponse): Promise<void> {
  const problem = (await checkerFor(app)).problemWith(method, url, response);
  if (problem) throw new Error(`OpenAPI drift: ${problem}`);
}
