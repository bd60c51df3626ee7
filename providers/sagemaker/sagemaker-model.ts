import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { PolytuneError } from '../../src/errors.js';
import type { GenerateRequest, Generation, InferencePrice, Model } from '../../src/provider.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import { toPolytuneError } from './sagemaker-errors.js';
import { type PromptFormat, renderPrompt } from './sagemaker-prompt.js';

export interface EndpointModelOptions {
  runtime: SageMakerRuntimeClient;
  endpointName: string;
  promptFormat: PromptFormat;
  retry: RetryOptions;
  price?: InferencePrice;
  now?: () => number;
}

/** The request body the JumpStart LMI/TGI containers take. */
export function invocationBody(request: GenerateRequest, format: PromptFormat) {
  const parameters: Record<string, unknown> = {
    max_new_tokens: request.maxTokens ?? 256,
    return_full_text: false,
  };
  // TGI rejects temperature 0: greedy decoding is `do_sample: false`.
  if (request.temperature !== undefined) {
    if (request.temperature > 0) parameters.temperature = request.temperature;
    else parameters.do_sample = false;
  }
  if (request.topP !== undefined) parameters.top_p = request.topP;
  if (request.stop?.length) parameters.stop = request.stop;
  if (request.seed !== undefined) parameters.seed = request.seed;
  return { inputs: renderPrompt(request.input, format), parameters };
}

/** Accepts LMI's `{"generated_text": …}` and TGI's `[{"generated_text": …}]`. */
export function parseGeneratedText(payload: unknown): string {
  const first = Array.isArray(payload) ? payload[0] : payload;
  if (
    first &&
    typeof first === 'object' &&
    typeof (first as { generated_text?: unknown }).generated_text === 'string'
  ) {
    return (first as { generated_text: string }).generated_text;
  }
  throw new PolytuneError('PROVIDER', 'The SageMaker endpoint answered without a generated_text field.', {
    isRetryable: false,
    hint: 'polytune expects a JumpStart text-generation container (LMI or TGI) on this endpoint.',
  });
}

export function createEndpointModel(options: EndpointModelOptions): Model {
  const now = options.now ?? (() => performance.now());
  return {
    id: `sagemaker:${options.endpointName}`,
    provider: 'sagemaker',
    price: options.price,
    async generate(request: GenerateRequest, signal?: AbortSignal): Promise<Generation> {
      const body = new TextEncoder().encode(JSON.stringify(invocationBody(request, options.promptFormat)));
      const started = now();
      const response = await withRetry(
        async () => {
          try {
            return await options.runtime.send(
              new InvokeEndpointCommand({
                EndpointName: options.endpointName,
                Body: body,
                ContentType: 'application/json',
                Accept: 'application/json',
              }),
              { abortSignal: signal },
            );
          } catch (error) {
            throw toPolytuneError(error, `InvokeEndpoint ${options.endpointName}`);
          }
        },
        { ...options.retry, signal },
      );
      const latencyMs = Math.max(0, now() - started);
      const text = new TextDecoder().decode(response.Body);
      let payload: unknown;
      try {
        payload = JSON.parse(text);
      } catch (error) {
        throw new PolytuneError(
          'PROVIDER',
          'The SageMaker endpoint answered with something that is not JSON.',
          {
            cause: error,
            isRetryable: false,
          },
        );
      }
      return { text: parseGeneratedText(payload), latencyMs };
    },
  };
}
