import {
  type ErrorCode,
  type HttpExchange,
  httpExchange,
  isPolytuneError,
  PolytuneError,
} from '../../src/errors.js';
import { redact } from '../../src/redact.js';
import { parseRetryAfter } from '../../src/retry.js';

/**
 * google-gax 5 over REST surfaces failures two ways: a `GoogleError` with a
 * gRPC `code` (0–16), or a raw `GaxiosError` with the HTTP status (a 503 comes
 * back as `code: 503`, not UNAVAILABLE). Both become one PolytuneError here.
 */
interface GoogleLikeError {
  code?: unknown;
  status?: unknown;
  message?: unknown;
  response?: { status?: number; headers?: unknown; data?: unknown };
  config?: { url?: unknown; method?: unknown };
}

const GRPC = {
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  UNAVAILABLE: 14,
};

/** The gRPC status names the API puts in `error.status` of a JSON error body. */
const STATUS_NAMES: Record<string, number> = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
};

const HTTP_TO_GRPC: Record<number, number> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  409: 6,
  429: 8,
  499: 1,
  500: 13,
  501: 12,
  503: 14,
  504: 4,
};

/** The gRPC code of an error from either transport, or undefined for a connection failure. */
export function grpcCodeOf(error: unknown): number | undefined {
  const e = error as GoogleLikeError;
  const body = bodyStatus(e);
  if (body !== undefined) return body;
  const http = typeof e.response?.status === 'number' ? e.response.status : undefined;
  if (http !== undefined) return HTTP_TO_GRPC[http] ?? (http >= 500 ? 13 : 3);
  if (typeof e.code === 'number') return e.code >= 100 ? (HTTP_TO_GRPC[e.code] ?? 13) : e.code;
  if (typeof e.status === 'number' && e.status >= 100) return HTTP_TO_GRPC[e.status] ?? 13;
  return undefined;
}

function bodyStatus(e: GoogleLikeError): number | undefined {
  // gaxios puts the JSON error body in `response.data`, or only in the message.
  const data =
    e.response?.data ?? (typeof e.message === 'string' && e.message.startsWith('{') ? e.message : undefined);
  let parsed: unknown = data;
  if (typeof data === 'string') {
    try {
      parsed = JSON.parse(data);
    } catch {
      return undefined;
    }
  }
  const status = (parsed as { error?: { status?: unknown } } | undefined)?.error?.status;
  return typeof status === 'string' ? STATUS_NAMES[status] : undefined;
}

/** True for a request that never got an answer (reset, refused, DNS): the call may or may not have run. */
export function isConnectionError(error: unknown): boolean {
  if (isPolytuneError(error)) return false;
  const e = error as GoogleLikeError & { name?: string; cause?: unknown };
  if (e?.response !== undefined) return false;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|UND_ERR_SOCKET)$/.test(code))
    return true;
  return (
    e?.name === 'GaxiosError' ||
    e?.name === 'FetchError' ||
    /network error|fetch failed|socket hang up/i.test(String(e?.message))
  );
}

/** The codes the issue names as worth another try: RESOURCE_EXHAUSTED, UNAVAILABLE, DEADLINE_EXCEEDED. */
export function isRetryableGoogleError(error: unknown): boolean {
  if (isPolytuneError(error)) return error.isRetryable;
  const code = grpcCodeOf(error);
  if (code === undefined) return isConnectionError(error);
  return code === GRPC.RESOURCE_EXHAUSTED || code === GRPC.UNAVAILABLE || code === GRPC.DEADLINE_EXCEEDED;
}

function headersOf(e: GoogleLikeError): { get(name: string): string | null } | undefined {
  const headers = e.response?.headers;
  if (!headers) return undefined;
  if (typeof (headers as Headers).get === 'function') return headers as Headers;
  const record = headers as Record<string, string>;
  return { get: (name) => record[name] ?? record[name.toLowerCase()] ?? null };
}

const REQUEST_INFO = 'type.googleapis.com/google.rpc.RequestInfo';

function errorBody(e: GoogleLikeError): string | undefined {
  const data = e.response?.data;
  if (typeof data === 'string') return data;
  if (data && typeof data === 'object') return JSON.stringify(data);
  return typeof e.message === 'string' && e.message.startsWith('{') ? e.message : undefined;
}

/** The `requestId` of a `google.rpc.RequestInfo` in the error body's `details`, where Google put one. */
function bodyRequestId(body: string | undefined): string | undefined {
  if (!body) return undefined;
  try {
    const details = (JSON.parse(body) as { error?: { details?: unknown } }).error?.details;
    if (!Array.isArray(details)) return undefined;
    const info = details.find((d) => (d as { '@type'?: unknown })?.['@type'] === REQUEST_INFO) as
      | { requestId?: unknown }
      | undefined;
    return typeof info?.requestId === 'string' ? info.requestId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What the Google SDKs keep of the HTTP exchange: over REST, google-gax and
 * @google-cloud/storage fail with a GaxiosError carrying the response (status,
 * headers, body) and the request's config (method, URL). The request id is the
 * `x-goog-request-id` header, else the body's RequestInfo.
 */
export function exchangeOf(error: unknown): HttpExchange | undefined {
  const e = (error ?? {}) as GoogleLikeError;
  const status =
    typeof e.response?.status === 'number'
      ? e.response.status
      : typeof e.code === 'number' && e.code >= 100
        ? e.code
        : undefined;
  if (status === undefined) return undefined;
  const body = errorBody(e);
  const url = e.config?.url;
  return httpExchange({
    provider: 'vertex',
    status,
    requestId: headersOf(e)?.get('x-goog-request-id') ?? bodyRequestId(body),
    method: typeof e.config?.method === 'string' ? e.config.method : undefined,
    url: typeof url === 'string' || url instanceof URL ? String(url) : undefined,
    bodyExcerpt: body,
  });
}

/** Wraps any error from the Google SDKs in a PolytuneError that says what to do. */
export function toPolytuneError(error: unknown, action: string): PolytuneError {
  if (isPolytuneError(error)) return error;
  const e = (error ?? {}) as GoogleLikeError;
  const raw = redact(String(e.message ?? error)).slice(0, 500);
  const code = grpcCodeOf(error);
  const retryable = isRetryableGoogleError(error);
  const retryAfterMs = parseRetryAfter(headersOf(e));
  const http = exchangeOf(error);
  const make = (kind: ErrorCode, hint: string) =>
    new PolytuneError(kind, `Vertex AI: ${action} failed: ${raw}`, {
      hint,
      cause: error,
      isRetryable: retryable,
      retryAfterMs,
      ...(http ? { http } : {}),
    });
  if (code === undefined) {
    return make('PROVIDER', 'Could not reach Vertex AI; check the network and the location, then run again.');
  }
  switch (code) {
    case 16:
      return make(
        'AUTH',
        'Run `gcloud auth application-default login` or set GOOGLE_APPLICATION_CREDENTIALS.',
      );
    case GRPC.PERMISSION_DENIED:
      return make(
        'PERMISSION',
        'Grant the caller roles/aiplatform.user (and roles/storage.objectAdmin on the bucket), and enable the Vertex AI API.',
      );
    case GRPC.NOT_FOUND:
      return make('NOT_FOUND', 'Check the project, location and job or model name.');
    case GRPC.RESOURCE_EXHAUSTED:
      return make('RATE_LIMIT', 'Vertex AI quota is exhausted; wait, or ask for more quota for this region.');
    case GRPC.DEADLINE_EXCEEDED:
      return make('TIMEOUT', 'The call timed out; run again.');
    case GRPC.UNAVAILABLE:
    case 13:
      return make('PROVIDER', 'Vertex AI is unavailable right now; run again later.');
    case 3:
    case 9:
      return make('INVALID_INPUT', 'Check the base model, hyperparameters and dataset URIs for this region.');
    case 12:
      return make('UNSUPPORTED', 'This model or region does not support the call.');
    default:
      return make('PROVIDER', 'See the cause with --debug.');
  }
}
