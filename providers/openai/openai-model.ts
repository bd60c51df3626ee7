import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { VERSION } from 'openai/version';
import type { PriceTable } from '../../src/cost/cost-estimate.js';
import { lookupPrice } from '../../src/cost/cost-estimate.js';
import type { GenerateRequest, Generation, InferencePrice, Model } from '../../src/provider.js';
import { toPolytuneError } from './openai-errors.js';

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
  https: boolean;
  /** Request options without headers, resolved once (not a URL to convert per call). */
  target: {
    protocol: string;
    hostname: string;
    port: string;
    path: string;
    method: 'POST';
    agent: http.Agent;
  };
  /** Name, value, name, value…: Node takes these as they are instead of validating an object's keys per call. */
  headers: string[];
  timeoutMs: number;
}

/**
 * A plain OpenAI client (API key, base URL, organisation, project; nothing
 * custom) is called over node:http with a keep-alive agent. Per call the SDK
 * builds headers, options, log lines and an abort controller, and Node 20's
 * fetch builds WHATWG streams, a cloned request and a tee of its body: at eval
 * concurrency that is several times the CPU and heap of the request itself.
 * Anything else (Azure, custom fetch, headers or query, a provider, workload
 * identity, a stand-in client in tests) goes through the SDK.
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
  let url: URL;
  try {
    url = new URL(`${client.baseURL}${client.baseURL.endsWith('/') ? '' : '/'}chat/completions`);
  } catch {
    return undefined; // the SDK reports the bad base URL
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  // With headers as an array Node adds none of its own, Host included.
  const headers = [
    'host',
    url.host,
    'accept',
    'application/json',
    'content-type',
    'application/json',
    'user-agent',
    `OpenAI/JS ${VERSION} polytune`,
    'authorization',
    `Bearer ${client.apiKey}`,
  ];
  if (client.organization) headers.push('openai-organization', client.organization);
  if (client.project) headers.push('openai-project', client.project);
  // The header check Node would do per call, once: a bad value (a newline in a key) goes to the SDK.
  for (let i = 0; i < headers.length; i += 2) {
    try {
      http.validateHeaderName(headers[i] as string);
      http.validateHeaderValue(headers[i] as string, headers[i + 1]);
    } catch {
      return undefined;
    }
  }
  const secure = url.protocol === 'https:';
  return {
    https: secure,
    target: {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port,
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      // No socket limit, like fetch's default pool: the runner's concurrency is the limit.
      agent: secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true }),
    },
    headers,
    timeoutMs: client.timeout,
  };
}

/** The endpoint answered with a redirect, which the direct route does not follow. */
class RedirectedError extends Error {}

function decodeBody(res: IncomingMessage, chunks: Buffer[]): string {
  const raw = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  const encoding = String(res.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  // We ask for none; a server may compress anyway.
  if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(raw).toString('utf8');
  if (encoding === 'deflate') return inflateSync(raw).toString('utf8');
  if (encoding === 'br') return brotliDecompressSync(raw).toString('utf8');
  return raw.toString('utf8');
}

function headersOf(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  return headers;
}

/**
 * One chat completion, failing with the errors an SDK call fails with, so
 * `toPolytuneError` maps them the same way: a status error from
 * `APIError.generate`; `APIUserAbortError` when the caller's signal aborts;
 * `APIConnectionTimeoutError` when the request timeout passes before the
 * headers (the SDK's timeout covers the same span); `APIConnectionError` when
 * no response came; fetch's `TypeError('terminated')` when the body broke off;
 * a SyntaxError when the body is not JSON.
 */
function postDirect(
  route: DirectRoute,
  body: string,
  signal: AbortSignal | undefined,
): Promise<OpenAI.Chat.ChatCompletion> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new APIUserAbortError());
      return;
    }
    let settled = false;
    let responded = false;
    const finish = (error: unknown, value?: OpenAI.Chat.ChatCompletion) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve(value as OpenAI.Chat.ChatCompletion);
      else reject(error);
    };
    const onAbort = () => {
      finish(new APIUserAbortError());
      req.destroy();
    };
    // Looked up on the module at call time: request interceptors (msw in tests) patch it there.
    const send = route.https ? https.request : http.request;
    const req = send(
      {
        ...route.target,
        headers: route.headers.concat('content-length', String(Buffer.byteLength(body))),
      },
      (res) => {
        responded = true;
        clearTimeout(timer);
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (cause) => finish(new TypeError('terminated', { cause })));
        res.on('close', () => {
          if (!res.complete) finish(new TypeError('terminated'));
        });
        res.on('end', () => {
          if (settled) return;
          try {
            const status = res.statusCode ?? 0;
            if (status >= 300 && status < 400) throw new RedirectedError();
            const text = decodeBody(res, chunks);
            if (status < 200 || status >= 300) {
              let json: object | undefined;
              try {
                json = JSON.parse(text) as object;
              } catch {
                json = undefined;
              }
              throw APIError.generate(status, json, json ? undefined : text, headersOf(res));
            }
            finish(undefined, JSON.parse(text) as OpenAI.Chat.ChatCompletion);
          } catch (error) {
            finish(error);
          }
        });
      },
    );
    const timer = setTimeout(() => {
      finish(new APIConnectionTimeoutError());
      req.destroy();
    }, route.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (cause) =>
      finish(responded ? new TypeError('terminated', { cause }) : new APIConnectionError({ cause })),
    );
    req.end(body);
  });
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
      let completion: OpenAI.Chat.ChatCompletion;
      try {
        completion = route
          ? await postDirect(route, JSON.stringify(body), signal).catch((error: unknown) => {
              if (!(error instanceof RedirectedError)) throw error;
              // A 3xx is not processed: send it again through the SDK, and keep using the SDK.
              route = undefined;
              return client.chat.completions.create(body, { signal, maxRetries: 0 });
            })
          : await client.chat.completions.create(body, { signal, maxRetries: 0 });
      } catch (error) {
        throw toPolytuneError(error, action);
      }
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
