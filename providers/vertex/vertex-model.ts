import { performance } from 'node:perf_hooks';
import type { protos, v1 } from '@google-cloud/aiplatform';
import type { ChatMessage } from '../../src/dataset/example.js';
import { PolytuneError } from '../../src/errors.js';
import type {
  BatchCapability,
  GenerateRequest,
  Generation,
  InferencePrice,
  Model,
} from '../../src/provider.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import { isRetryableGoogleError, toPolytuneError } from './vertex-errors.js';

type Content = protos.google.cloud.aiplatform.v1.IContent;
export type GenerateContentRequest = protos.google.cloud.aiplatform.v1.IGenerateContentRequest;

/**
 * The resource a model ref names: an endpoint (`projects/…/endpoints/…`, what
 * a tuning job serves its model on), a publisher model (`publishers/google/models/…`
 * or a bare `gemini-2.5-flash`), or a full `projects/…/publishers/…` name.
 */
export function modelResource(ref: string, project: string, location: string): string {
  const id = ref.replace(/^vertex:/, '');
  if (id.startsWith('projects/')) return id;
  const parent = `projects/${project}/locations/${location}`;
  if (id.startsWith('publishers/') || id.startsWith('endpoints/')) return `${parent}/${id}`;
  if (/^[a-z0-9][a-z0-9.@_-]*$/i.test(id)) return `${parent}/publishers/google/models/${id}`;
  throw new PolytuneError('USAGE', `Not a Vertex AI model reference: ${ref}`, {
    hint: 'Use a tuned endpoint (projects/P/locations/L/endpoints/E), a tuning job name, or a publisher model (gemini-2.5-flash).',
  });
}

/** Chat messages → Gemini `contents` + `systemInstruction` (assistant → model). */
export function toGeminiRequest(model: string, request: GenerateRequest): GenerateContentRequest {
  const messages: ChatMessage[] =
    typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : request.input;
  const system = messages.filter((m) => m.role === 'system' && m.content);
  const contents: Content[] = messages
    .filter((m) => m.role !== 'system')
    .map((m) => ({ role: m.role === 'assistant' ? 'model' : 'user', parts: [{ text: m.content ?? '' }] }));
  const generationConfig: protos.google.cloud.aiplatform.v1.IGenerationConfig = {};
  if (request.maxTokens !== undefined) generationConfig.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) generationConfig.temperature = request.temperature;
  if (request.topP !== undefined) generationConfig.topP = request.topP;
  if (request.stop?.length) generationConfig.stopSequences = request.stop;
  if (request.seed !== undefined) generationConfig.seed = request.seed;
  const body: GenerateContentRequest = { model, contents };
  if (system.length > 0) body.systemInstruction = { parts: system.map((m) => ({ text: m.content ?? '' })) };
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  return body;
}

export interface VertexModelOptions {
  client: v1.PredictionServiceClient;
  /** Full resource name the calls go to. */
  resource: string;
  price?: InferencePrice;
  retry: RetryOptions;
  /** Closes the client when the handle owns it. */
  owned: boolean;
  /** Batch prediction for this model (`eval --batch`), when it has one. */
  batch?: BatchCapability;
}

export function createVertexModel({
  client,
  resource,
  price,
  retry,
  owned,
  batch,
}: VertexModelOptions): Model {
  return {
    id: `vertex:${resource}`,
    provider: 'vertex',
    price,
    ...(batch ? { batch } : {}),
    async generate(request: GenerateRequest, signal?: AbortSignal): Promise<Generation> {
      const body = toGeminiRequest(resource, request);
      let latencyMs = 0;
      const [response] = await withRetry(
        async () => {
          const started = performance.now();
          try {
            return await client.generateContent(body);
          } catch (error) {
            throw toPolytuneError(error, `generateContent on ${resource}`);
          } finally {
            latencyMs = performance.now() - started;
          }
        },
        { ...retry, signal, isRetryable: isRetryableGoogleError },
      );
      const candidate = response.candidates?.[0];
      const text = (candidate?.content?.parts ?? []).map((p) => p.text ?? '').join('');
      const usage = response.usageMetadata;
      return {
        text,
        latencyMs: Math.max(0, latencyMs),
        ...(usage
          ? {
              usage: {
                inputTokens: usage.promptTokenCount ?? 0,
                outputTokens: usage.candidatesTokenCount ?? 0,
              },
            }
          : {}),
      };
    },
    async close() {
      if (owned) await client.close();
    },
  };
}
