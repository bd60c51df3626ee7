import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { httpExchange, isPolytuneError, PolytuneError } from '../../src/errors.js';
import { redact } from '../../src/redact.js';
import { parseRetryAfter } from '../../src/retry.js';

/** What we were doing, for the message: `create the fine-tuning job`, `upload train.jsonl`. */
export type OpenAIAction = string;

/** Where the call went, for the error's HTTP provenance (`PolytuneError.http`). */
export interface OpenAIRequestInfo {
  /** `openai`, or `azure` for Azure OpenAI. */
  provider: string;
  method?: string;
  url?: string;
}

/** The request as `client.baseURL` + path, for `call`'s third argument. */
export function requestInfo(
  client: { baseURL: string },
  provider: string,
  method: string,
  path: string,
): OpenAIRequestInfo {
  return { provider, method, url: `${client.baseURL.replace(/\/$/, '')}${path}` };
}

const WIND_DOWN_HINT =
  'OpenAI announced in 2026 that self-serve fine-tuning is winding down: organisations that are not already fine-tuning may no longer create jobs. Check the organisation in the dashboard, or use Azure OpenAI (`azure` settings) or another provider (--provider vertex|sagemaker|local-onnx). Existing fine-tuned models stay usable for inference.';

/** An HTTP error answer from the API, by status. */
function fromApiError(error: APIError, action: OpenAIAction, request: OpenAIRequestInfo): PolytuneError {
  const status = error.status ?? 0;
  const detail = redact(error.message);
  const code = error.code ?? (error.error as { code?: string } | undefined)?.code;
  const http = httpExchange({
    ...request,
    status,
    ...(error.requestID ? { requestId: error.requestID } : {}),
    ...(error.error ? { bodyExcerpt: JSON.stringify(error.error) } : {}),
  });
  const options = { cause: error, http };
  if (status === 401) {
    return new PolytuneError('AUTH', `OpenAI rejected the API key (401) while trying to ${action}.`, {
      ...options,
      hint: 'Set OPENAI_API_KEY (or AZURE_OPENAI_API_KEY with Azure) to a valid key for this organisation/project.',
    });
  }
  if (status === 403) {
    const fineTuning = /fine[-_ ]?tun/i.test(`${action} ${detail}`);
    return new PolytuneError('PERMISSION', `OpenAI refused to ${action} (403): ${detail}`, {
      ...options,
      hint: fineTuning
        ? WIND_DOWN_HINT
        : 'The key is valid but not allowed to do this: check the project, organisation and model access.',
    });
  }
  if (status === 404) {
    return new PolytuneError(
      'NOT_FOUND',
      `OpenAI could not find what was needed to ${action} (404): ${detail}`,
      {
        ...options,
        hint: 'Check the model id, file id or job id (and the organisation the key belongs to).',
      },
    );
  }
  if (status === 429) {
    if (code === 'insufficient_quota' || /insufficient_quota|exceeded your current quota/i.test(detail)) {
      return new PolytuneError('QUOTA', `OpenAI quota exhausted while trying to ${action}.`, {
        ...options,
        isRetryable: false,
        hint: 'Add credit or raise the spending limit under Billing; retrying will not help.',
      });
    }
    return new PolytuneError('RATE_LIMIT', `OpenAI rate limit hit while trying to ${action}.`, {
      ...options,
      isRetryable: true,
      retryAfterMs: parseRetryAfter(error.headers),
      hint: 'Retried automatically; lower the concurrency if this persists.',
    });
  }
  if (status === 400 || status === 422) {
    return new PolytuneError(
      'INVALID_INPUT',
      `OpenAI rejected the request to ${action} (${status}): ${detail}`,
      {
        ...options,
        hint: error.param
          ? `Check \`${error.param}\`.`
          : 'Check the base model, hyperparameters and the training file.',
      },
    );
  }
  if (status === 408 || status === 409 || status >= 500) {
    return new PolytuneError('PROVIDER', `OpenAI failed to ${action} (${status}).`, {
      ...options,
      isRetryable: true,
      retryAfterMs: parseRetryAfter(error.headers),
      hint: 'A server-side error; retried automatically. Check https://status.openai.com if it persists.',
    });
  }
  return new PolytuneError('PROVIDER', `OpenAI failed to ${action} (${status}): ${detail}`, options);
}

/**
 * Turns an openai SDK error into a PolytuneError with a code, a retry verdict
 * and what the user must do. The raw error stays attached as `cause`.
 */
export function toPolytuneError(
  error: unknown,
  action: OpenAIAction,
  request: OpenAIRequestInfo = { provider: 'openai' },
): PolytuneError {
  if (isPolytuneError(error)) return error;
  if (error instanceof APIUserAbortError) {
    return new PolytuneError('CANCELLED', `Cancelled while trying to ${action}.`, { cause: error });
  }
  if (error instanceof APIConnectionTimeoutError) {
    return new PolytuneError('TIMEOUT', `OpenAI did not answer in time while trying to ${action}.`, {
      cause: error,
      isRetryable: true,
      hint: 'Retry; raise `requestTimeoutMs` for large uploads.',
    });
  }
  if (error instanceof APIConnectionError) {
    return new PolytuneError(
      'PROVIDER',
      `Could not reach OpenAI while trying to ${action}: ${error.message}`,
      {
        cause: error,
        isRetryable: true,
        hint: 'Check the network and OPENAI_BASE_URL / baseURL.',
      },
    );
  }
  if (error instanceof APIError) return fromApiError(error, action, request);
  // Failures while reading a response body surface as plain errors, not APIConnectionError:
  // undici's `TypeError: terminated` (connection reset mid-body) and a SyntaxError (cut or garbled JSON).
  if (error instanceof TypeError && error.message === 'terminated') {
    return new PolytuneError(
      'PROVIDER',
      `The connection to OpenAI broke off mid-response while trying to ${action}.`,
      {
        cause: error,
        isRetryable: true,
        hint: 'A network fault; retried automatically. Check the network and any proxy if it persists.',
      },
    );
  }
  if (error instanceof SyntaxError) {
    return new PolytuneError(
      'PROVIDER',
      `OpenAI sent a response that is not valid JSON while trying to ${action}.`,
      {
        cause: error,
        isRetryable: true,
        hint: 'Retried automatically; if it persists, check OPENAI_BASE_URL / baseURL points at an OpenAI-compatible API.',
      },
    );
  }
  return new PolytuneError(
    'INTERNAL',
    `Unexpected error while trying to ${action}: ${redact(String((error as Error)?.message ?? error))}`,
    {
      cause: error,
    },
  );
}

/** Runs one SDK call and maps its error (with where it went, when known). */
export async function call<T>(
  action: OpenAIAction,
  fn: () => Promise<T>,
  request?: OpenAIRequestInfo,
): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toPolytuneError(error, action, request);
  }
}
