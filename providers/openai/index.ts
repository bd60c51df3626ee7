// `polytune/openai`: the OpenAI provider (also Azure OpenAI and compatible base URLs).
// Importing this loads the openai SDK; `polytune` alone does not.
export { createOpenAICompiler, type OpenAICompileOptions, openaiCompiler } from './openai-compile.js';
export type { OpenAIProviderSettings } from './openai-options.js';
export { OPENAI_PRICES } from './openai-prices.js';
export {
  createOpenAIProvider,
  type OpenAICheckpoint,
  type OpenAIProvider,
  type OpenAIProviderDeps,
} from './openai-provider.js';
