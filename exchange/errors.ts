/**
 * Every error brx returns, with a stable code, its HTTP status and a title. Rendered by one
 * handler (http/problem.ts) as RFC 9457 problem+json; the code is also the problem `type`.
 */
export const errorCodes = {
  BRX_ERR_VALIDATION: { status: 400, title: 'The request is not valid' },
  BRX_ERR_MALFORMED_BODY: { status: 400, title: 'The request body could not be read' },
  BRX_ERR_UNAUTHENTICATED: { status: 401, title: 'Authentication is required' },
  BRX_ERR_BAD_CREDENTIALS: { status: 401, title: 'The username or password is wrong' },
  BRX_ERR_FORBIDDEN: { status: 403, title: 'This action is not allowed for the caller' },
  BRX_ERR_NOT_FOUND: { status: 404, title: 'Not found' },
  BRX_ERR_CONFLICT: { status: 409, title: 'The request conflicts with the current state' },
  BRX_ERR_NOT_RETAINED: { status: 410, title: 'The position is no longer retained' },
  BRX_ERR_PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  BRX_ERR_URI_TOO_LONG: { status: 414, title: 'The request URL is too long' },
  BRX_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request body type is not supported' },
  BRX_ERR_THROTTLED: { status: 429, title: 'Too many attempts' },
  BRX_ERR_INTERNAL: { status: 500, title: 'Internal error' },
  BRX_ERR_UNAVAILABLE: { status: 503, title: 'The service is unavailable' },
} as const;

export type ErrorCode = keyof typeof errorCodes;

/** One problem with one part of the input: a JSON pointer (or record index) and plain words. */
export interface FieldError {
  readonly pointer?: string;
  readonly index?: number;
  readonly in?: 'body' | 'query' | 'params' | 'headers';
  readonly message: string;
}

export class BrxError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly errors: readonly FieldError[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: ErrorCode,
    detail?: string,
    options: { errors?: FieldError[]; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail ?? errorCodes[code].title, { cause: options.cause });
    this.code = code;
    this.status = errorCodes[code].status;
    this.errors = options.errors ?? [];
    this.headers = options.headers ?? {};
  }
}

export const unauthenticated = (detail = 'Send Authorization: Bearer <token or API key>') =>
  new BrxError('BRX_ERR_UNAUTHENTICATED', detail, { headers: { 'www-authenticate': 'Bearer realm="brx"' } });
export const forbidden = (detail: string) => new BrxError('BRX_ERR_FORBIDDEN', detail);
export const notFound = (detail: string) => new BrxError('BRX_ERR_NOT_FOUND', detail);
export const conflict = (detail: string, errors?: FieldError[]) =>
  new BrxError('BRX_ERR_CONFLICT', detail, errors ? { errors } : {});
export const invalid = (detail: string, errors: FieldError[]) => new BrxError('BRX_ERR_VALIDATION', detail, { errors });
