import { performance } from 'node:perf_hooks';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { VERSION } from 'openai/version';
import type { PriceTable } from '../../src/cost/cost-estimate.js';
import { lookupPrice } from '../../src/cost/cost-estimate.js';
import type { GenerateRequest, Generation, InferencePrice, Model } from '../../src/provider.js';
import { call } from './openai-errors.js';

/** `ft:gpt-4o-mini-2024-07-18:acme::abc123` → `gpt-4o-mini-2024-07-18`; other ids unchanged. */
export function baseModelOf(model: string): string {
  return model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model;
}

/** Inference price of a fine-tuned model (the table holds fine-tuned rates, keyed by base model). */
export function inferencePriceFor(table: PriceTable, model: string): InferencePrice | undefined {
  if (!model.startsWith('ft:')) return undefined;
  const entry = lookupPrice(table, baseModelOf(model));
  if (entry?.inputPer1M === undefined || entry.outputPer1M === undefined) return undefined;
  return {
    inputPer1M: entry.inputPer1M,
    outputPer1M: entry.outputPer1M,
    source: entry.source,
    date: entry.date,
  };
}

/** Where and how to POST chat completions without the SDK's request machinery. */
interface DirectRoute {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
}

/**
 * A plain OpenAI client (API key, base URL, organisation, project; nothing
 * custom) can be called with one fetch per generation. The SDK builds headers,
 * request options, log lines and an abort controller per call, which cost as
 * much CPU as the HTTP request itself at eval concurrency. Anything else
 * (Azure, custom fetch or headers, a provider, workload identity, a stand-in
 * client in tests) goes through the SDK.
 */
function directRoute(client: OpenAI): DirectRoute | undefined {
  if (!(client instanceof OpenAI) || Object.getPrototypeOf(client) !== OpenAI.prototype) return undefined;
  const internals = client as unknown as {
    _options?: { fetch?: unknown; defaultHeaders?: unknown; defaultQuery?: unknown; provider?: unknown };
    _provider?: unknown;
    _workloadIdentityAuth?: unknown;
    idempotencyHeader?: unknown;
  };
  const options = internals._options;
  if (
    !options ||
    options.fetch ||
    options.defaultHeaders ||
    options.defaultQuery ||
    options.provider ||
    internals._provider ||
    internals._workloadIdentityAuth ||
    internals.idempotencyHeader ||
    client.fetchOptions ||
    client.adminAPIKey != null ||
    typeof client.apiKey !== 'string' ||
    !client.apiKey
  ) {
    return undefined;
  }
  const base = client.baseURL;
  const headers: Record<string, string> = {
    accept: 'application/json',
    'content-type': 'application/json',
    'user-agent': `OpenAI/JS ${VERSION} polytune`,
    authorization: `Bearer ${client.apiKey}`,
  };
  if (client.organization) headers['openai-organization'] = client.organization;
  if (client.project) headers['openai-project'] = client.project;
  return {
    url: `${base}${base.endsWith('/') ? '' : '/'}chat/completions`,
    headers,
    timeoutMs: client.timeout,
  };
}

/** The endpoint answered with a redirect, which the direct route does not follow. */
class RedirectedError extends Error {}

/**
 * One chat completion over fetch, failing with the SDK's own error classes
 * (so `toPolytuneError` maps them exactly as for an SDK call): a status error
 * from `APIError.generate`, `APIUserAbortError` when the caller's signal
 * aborts, `APIConnectionTimeoutError` when the request timeout passes before
 * the headers (as the SDK's timeout does), `APIConnectionError` otherwise; a
 * body cut off or not JSON throws what `response.json()` throws.
 */
async function postDirect(
  route: DirectRoute,
  body: string,
  signal: AbortSignal | undefined,
): Promise<OpenAI.Chat.ChatCompletion> {
  if (signal?.aborted) throw new APIUserAbortError();
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal?.addEventListener('abort', abort, { once: true });
  const timer = setTimeout(abort, route.timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetch(route.url, {
        method: 'POST',
        headers: route.headers,
        body,
        signal: controller.signal,
        // No redirects and no window: undici then sends the request as is instead of
        // cloning it (a tee of the body stream per call). A redirecting endpoint is
        // handed to the SDK, which follows redirects (see createOpenAIModel).
        redirect: 'error',
        window: null,
      } as RequestInit);
    } catch (error) {
      if (signal?.aborted) throw new APIUserAbortError();
      if ((error as { cause?: { message?: unknown } })?.cause?.message === 'unexpected redirect') {
        throw new RedirectedError();
      }
      const text = `${String(error)} ${String((error as { cause?: unknown })?.cause ?? '')}`;
      if (controller.signal.aborted || /timed? ?out/i.test(text)) throw new APIConnectionTimeoutError();
      throw new APIConnectionError({ cause: error as Error });
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) {
      const text = await response
        .text()
        .catch((error: unknown) => String((error as Error)?.message ?? error));
      let json: object | undefined;
      try {
        json = JSON.parse(text) as object;
      } catch {
        json = undefined;
      }
      throw APIError.generate(response.status, json, json ? undefined : text, response.headers);
    }
    return JSON.parse(await response.text()) as OpenAI.Chat.ChatCompletion;
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}

/**
 * A Model over chat completions, for a fine-tuned model or any model id the
 * endpoint serves. No retries here: the eval runner owns the retry policy.
 */
export function createOpenAIModel(client: OpenAI, model: string, table: PriceTable): Model {
  const price = inferencePriceFor(table, model);
  let route = directRoute(client);
  const action = `generate with ${model}`;
  return {
    id: `openai:${model}`,
    provider: 'openai',
    ...(price ? { price } : {}),
    async generate(request: GenerateRequest, signal?: AbortSignal): Promise<Generation> {
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] =
        typeof request.input === 'string'
          ? [{ role: 'user', content: request.input }]
          : (request.input.map((m) => ({ ...m })) as OpenAI.Chat.ChatCompletionMessageParam[]);
      const body: OpenAI.Chat.ChatCompletionCreateParamsNonStreaming = { model, messages };
      if (request.maxTokens !== undefined) body.max_completion_tokens = request.maxTokens;
      if (request.temperature !== undefined) body.temperature = request.temperature;
      if (request.topP !== undefined) body.top_p = request.topP;
      if (request.stop?.length) body.stop = request.stop;
      if (request.seed !== undefined) body.seed = request.seed;
      const started = performance.now();
      const viaSdk = () => client.chat.completions.create(body, { signal, maxRetries: 0 });
      const completion = await call(action, async () => {
        if (!route) return viaSdk();
        try {
          return await postDirect(route, JSON.stringify(body), signal);
        } catch (error) {
          if (!(error instanceof RedirectedError)) throw error;
          // A 3xx is not processed: send it again through the SDK, and keep using the SDK.
          route = undefined;
          return viaSdk();
        }
      });
      const latencyMs = performance.now() - started;
      const usage = completion.usage;
      return {
        text: completion.choices[0]?.message?.content ?? '',
        latencyMs,
        ...(usage
          ? { usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } }
          : {}),
      };
    },
  };
}
