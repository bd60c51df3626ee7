import { redact } from './redact.js';

/**
 * The one error type polytune throws on purpose. `code` is stable (scripts may
 * match on it), `hint` says what the user should do next, and `cause` keeps the
 * raw provider error for `--debug`.
 */
export type ErrorCode =
  | 'INVALID_INPUT' // the user's data, suite or config is wrong: exit 2
  | 'USAGE' // wrong flags or arguments: exit 2
  | 'AUTH' // missing or rejected credentials
  | 'PERMISSION' // authenticated but not allowed
  | 'QUOTA' // out of money or quota; retrying will not help
  | 'RATE_LIMIT' // slow down and retry
  | 'NOT_FOUND'
  | 'UNSUPPORTED' // the provider cannot do what was asked
  | 'PROVIDER' // the provider failed (5xx, bad response)
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'LEDGER' // the local job ledger is unreadable or inconsistent
  | 'INTERNAL';

/**
 * What polytune knows of the HTTP exchange behind a provider error, so the
 * failure can be quoted to the provider's support. URL and body are redacted
 * before they are stored here (see `httpExchange`).
 */
export interface HttpExchange {
  /** `openai`, `vertex`, `sagemaker`, `azure`, … */
  provider: string;
  status?: number;
  /** `x-request-id` (OpenAI), `x-amzn-requestid` (AWS), `x-goog-request-id`/`x-cloud-trace-context` (Google). */
  requestId?: string;
  method?: string;
  /** Redacted: no query-string keys or tokens. */
  url?: string;
  /** The first few hundred characters of the response body, redacted. */
  bodyExcerpt?: string;
}

export interface PolytuneErrorOptions {
  hint?: string;
  cause?: unknown;
  isRetryable?: boolean;
  /** Milliseconds the server asked us to wait (Retry-After), when it said. */
  retryAfterMs?: number;
  file?: string;
  line?: number;
  /** The HTTP exchange, where there was one (build it with `httpExchange`). */
  http?: HttpExchange;
}

export class PolytuneError extends Error {
  override readonly name = 'PolytuneError';
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly isRetryable: boolean;
  readonly retryAfterMs?: number;
  readonly file?: string;
  readonly line?: number;
  readonly http?: HttpExchange;

  constructor(code: ErrorCode, message: string, options: PolytuneErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.isRetryable =
      options.isRetryable ?? (code === 'RATE_LIMIT' || code === 'PROVIDER' || code === 'TIMEOUT');
    this.retryAfterMs = options.retryAfterMs;
    this.file = options.file;
    this.line = options.line;
    this.http = options.http;
  }

  /** `file:line: message` when the error points into a file, else the message. */
  get location(): string | undefined {
    if (this.file === undefined) return undefined;
    return this.line === undefined ? this.file : `${this.file}:${this.line}`;
  }
}

const BODY_EXCERPT_CHARS = 300;

/**
 * An `HttpExchange` with its URL and body passed through `redact` (and query
 * strings dropped), so it is safe to print, log and write into reports.
 */
export function httpExchange(exchange: HttpExchange): HttpExchange {
  const out: HttpExchange = { provider: exchange.provider };
  if (exchange.status !== undefined) out.status = exchange.status;
  if (exchange.requestId) out.requestId = redact(exchange.requestId);
  if (exchange.method) out.method = exchange.method.toUpperCase();
  if (exchange.url) out.url = redact(exchange.url.split('?')[0] ?? '');
  if (exchange.bodyExcerpt) {
    const body = redact(exchange.bodyExcerpt);
    out.bodyExcerpt = body.length > BODY_EXCERPT_CHARS ? `${body.slice(0, BODY_EXCERPT_CHARS)}…` : body;
  }
  return out;
}

export function isPolytuneError(error: unknown): error is PolytuneError {
  return error instanceof PolytuneError;
}

/** Exit code the CLI uses for an error: 2 for the user's input or usage, 1 otherwise. */
export function exitCodeFor(error: unknown): 1 | 2 {
  return isPolytuneError(error) && (error.code === 'INVALID_INPUT' || error.code === 'USAGE') ? 2 : 1;
}
