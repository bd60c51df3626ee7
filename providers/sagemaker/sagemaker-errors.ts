import {
  type HttpExchange,
  httpExchange,
  PolytuneError,
  type PolytuneErrorOptions,
} from '../../src/errors.js';

/** What the AWS SDK v3 puts on a service or network error (we read only these fields). */
interface AwsErrorShape {
  name?: string;
  message?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
  OriginalMessage?: string;
  LogStreamArn?: string;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
]);
const AUTH = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'CredentialsProviderError',
  'InvalidClientTokenId',
]);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

function isNetworkError(e: AwsErrorShape): boolean {
  if (e.$metadata?.httpStatusCode !== undefined) return false;
  return (
    (e.code !== undefined && NETWORK.has(e.code)) ||
    e.name === 'TimeoutError' ||
    /socket hang up|network error|ECONNRESET|fetch failed|other side closed/i.test(e.message ?? '')
  );
}

function asAws(error: unknown): AwsErrorShape {
  return (error && typeof error === 'object' ? error : {}) as AwsErrorShape;
}

export function awsErrorName(error: unknown): string {
  return asAws(error).name ?? '';
}

/** `CreateTrainingJob` on a name that exists (names are never reusable). */
export function isResourceInUse(error: unknown): boolean {
  return awsErrorName(error) === 'ResourceInUse';
}

/** Describe* on something that does not exist (SageMaker answers ValidationException for most). */
export function isNotFound(error: unknown): boolean {
  const e = asAws(error);
  if (e.name === 'ResourceNotFound' || e.name === 'ResourceNotFoundException') return true;
  return (
    e.name === 'ValidationException' && /not (be )?found|does not exist|could not find/i.test(e.message ?? '')
  );
}

/** CreateModel / CreateEndpointConfig / CreateEndpoint on a name that exists. */
export function isAlreadyExists(error: unknown): boolean {
  const e = asAws(error);
  return (
    isResourceInUse(error) || (e.name === 'ValidationException' && /already exist/i.test(e.message ?? ''))
  );
}

/**
 * The HTTP exchange behind an AWS SDK error, for support tickets: status from
 * `$metadata.httpStatusCode`, request id from `$metadata.requestId` or the
 * `x-amzn-requestid` header; undefined when no answer came back.
 */
export function awsHttpExchange(
  error: unknown,
  operation?: string,
  provider = 'sagemaker',
): HttpExchange | undefined {
  const e = asAws(error);
  const headers = e.$response?.headers ?? {};
  const requestId = e.$metadata?.requestId ?? headers['x-amzn-requestid'] ?? headers['x-amz-request-id'];
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  if (status === undefined && !requestId) return undefined;
  return httpExchange({
    provider,
    ...(status === undefined ? {} : { status }),
    ...(requestId ? { requestId } : {}),
    method: 'POST',
    // The operation leads the excerpt: SageMaker's JSON API is one URL, the operation is in X-Amz-Target.
    bodyExcerpt: `${operation ? `${operation}: ` : ''}${e.name ?? 'Error'}: ${e.message ?? ''}`,
  });
}

/**
 * Maps an AWS SDK error to a PolytuneError with a code, a retry verdict, a
 * hint and the HTTP exchange (status, request id). The raw error stays
 * attached as `cause` for `--debug`.
 */
export function toPolytuneError(error: unknown, action: string): PolytuneError {
  if (error instanceof PolytuneError) return error;
  const mapped = mapAwsError(error, action);
  const http = awsHttpExchange(error, action.split(' ')[0]);
  if (!http) return mapped;
  const options: PolytuneErrorOptions = {
    cause: error,
    isRetryable: mapped.isRetryable,
    http,
    ...(mapped.hint ? { hint: mapped.hint } : {}),
    ...(mapped.retryAfterMs === undefined ? {} : { retryAfterMs: mapped.retryAfterMs }),
  };
  return new PolytuneError(mapped.code, mapped.message, options);
}

function mapAwsError(error: unknown, action: string): PolytuneError {
  const e = asAws(error);
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const message = `SageMaker ${action} failed: ${name}: ${e.message ?? String(error)}`;
  const retryAfter = e.$response?.headers?.['retry-after'];
  const retryAfterMs = retryAfter && /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : undefined;

  if (THROTTLING.has(name) || status === 429) {
    if (name === 'ModelNotReadyException') {
      return new PolytuneError('PROVIDER', message, {
        cause: error,
        isRetryable: true,
        hint: 'The endpoint is still loading the model; retrying.',
      });
    }
    return new PolytuneError('RATE_LIMIT', message, {
      cause: error,
      retryAfterMs,
      hint: 'AWS is throttling requests; polytune backs off and retries.',
    });
  }
  if (name === 'ModelNotReadyException') {
    return new PolytuneError('PROVIDER', message, { cause: error, isRetryable: true });
  }
  if (name === 'ModelError') {
    return new PolytuneError('PROVIDER', `${message}${e.OriginalMessage ? ` (${e.OriginalMessage})` : ''}`, {
      cause: error,
      isRetryable: false,
      hint: `The model container failed on this request; see its CloudWatch logs${e.LogStreamArn ? ` (${e.LogStreamArn})` : ''}.`,
    });
  }
  if (name === 'ResourceLimitExceeded') {
    return new PolytuneError('QUOTA', message, {
      cause: error,
      isRetryable: false,
      hint: 'Request a SageMaker service quota increase for this instance type (Service Quotas console), or choose another instance type.',
    });
  }
  if (AUTH.has(name) || status === 401) {
    return new PolytuneError('AUTH', message, {
      cause: error,
      hint: 'Check your AWS credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or SSO login) and region.',
    });
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || status === 403) {
    return new PolytuneError('PERMISSION', message, {
      cause: error,
      hint: 'Your identity lacks a permission this step needs (see the README SageMaker section: sagemaker:*TrainingJob, iam:PassRole on the role, s3 on the bucket).',
    });
  }
  if (isNotFound(error)) {
    return new PolytuneError('NOT_FOUND', message, { cause: error, isRetryable: false });
  }
  if (name === 'ValidationException' || name === 'ValidationError') {
    return new PolytuneError('INVALID_INPUT', message, {
      cause: error,
      isRetryable: false,
      hint: 'SageMaker rejected the request; check the role ARN, bucket, instance type and hyperparameters.',
    });
  }
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) {
    return new PolytuneError('PROVIDER', message, { cause: error, isRetryable: true, retryAfterMs });
  }
  if (isNetworkError(e)) {
    // No HTTP answer: the request may or may not have reached AWS. Retryable; creates reconcile first.
    return new PolytuneError('PROVIDER', message, { cause: error, isRetryable: true });
  }
  return new PolytuneError('PROVIDER', message, { cause: error, isRetryable: false });
}
