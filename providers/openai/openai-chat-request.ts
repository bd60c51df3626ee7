import type OpenAI from 'openai';
import type { GenerateRequest } from '../../src/provider.js';

/** The chat completion body of a request: what the online Model sends and each Batch API line holds. */
export function chatCompletionBody(
  model: string,
  request: GenerateRequest,
): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming {
  const messages = (
    typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : request.input
  ) as OpenAI.Chat.ChatCompletionMessageParam[];
  return {
    model,
    messages,
    ...(request.maxTokens !== undefined ? { max_completion_tokens: request.maxTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.topP !== undefined ? { top_p: request.topP } : {}),
    ...(request.stop?.length ? { stop: request.stop } : {}),
    ...(request.seed !== undefined ? { seed: request.seed } : {}),
  };
}
