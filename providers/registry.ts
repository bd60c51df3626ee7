import { PolytuneError } from '../src/errors.js';
import type { Provider } from '../src/provider.js';

/**
 * Provider ids resolved to factories. Each provider adds one entry; SDKs load
 * lazily (dynamic import) so the CLI starts fast and a missing optional
 * dependency only matters to the provider that needs it.
 */
export interface ProviderEntry {
  id: string;
  /** One line for `--help` and `polytune doctor`. */
  description: string;
  /**
   * Builds the provider from its settings (config file section merged with
   * flags); credentials come from the provider's usual environment and chains.
   */
  create(settings?: Record<string, unknown>): Promise<Provider>;
}

export const providerEntries: ProviderEntry[] = [
  {
    id: 'openai',
    description:
      'OpenAI fine-tuning (also Azure OpenAI and compatible base URLs): files, fine_tuning.jobs, chat completions',
    async create(settings) {
      const { createOpenAIProvider } = await import('./openai/openai-provider.js');
      return createOpenAIProvider(settings);
    },
  },
  {
    id: 'vertex',
    description:
      'Vertex AI Gemini supervised tuning: GCS upload, tuning jobs, tuned-endpoint generateContent',
    async create(settings) {
      const { createVertexProvider } = await import('./vertex/vertex-provider.js');
      return createVertexProvider(settings);
    },
  },
  {
    id: 'sagemaker',
    description:
      'SageMaker JumpStart LLM fine-tuning: S3 upload, CreateTrainingJob, endpoint deploy and InvokeEndpoint',
    async create(settings) {
      const { createSageMakerProvider } = await import('./sagemaker/sagemaker-provider.js');
      return createSageMakerProvider(settings);
    },
  },
  {
    id: 'local-onnx',
    description:
      'Local ONNX Runtime: a classification head on a frozen ONNX base (embedded GloVe default), CUDA when present, one merged model',
    async create(settings) {
      const { createLocalOnnxProvider } = await import('./local-onnx/local-onnx-provider.js');
      return createLocalOnnxProvider(settings);
    },
  },
];

export function providerEntry(id: string): ProviderEntry | undefined {
  return providerEntries.find((entry) => entry.id === id);
}

/**
 * Builds a provider by id, loading its SDK only now (importing `polytune`
 * loads no cloud SDK). Settings as the provider's factory takes them.
 */
export async function createProvider(id: string, settings?: Record<string, unknown>): Promise<Provider> {
  const entry = providerEntry(id);
  if (!entry) {
    throw new PolytuneError('USAGE', `Unknown provider ${JSON.stringify(id)}.`, {
      hint: `Known providers: ${providerIds().join(', ')}.`,
    });
  }
  return entry.create(settings);
}

export function providerIds(): string[] {
  return providerEntries.map((entry) => entry.id);
}
