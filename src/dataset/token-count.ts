import type { ChatMessage, Tool } from './example.js';
import type { ExampleDraft } from './map-record.js';
import { countO200k } from './o200k-counter.js';

/** The tokenizer behind every count: OpenAI's current models use o200k_base. */
export const TOKENIZER = 'o200k_base';

/** o200k_base tokens in a string (exact; distinct pieces are cached, so repeated prompts cost little). */
export function textTokens(text: string): number {
  return text.length === 0 ? 0 : countO200k(text);
}

/**
 * Tokens of a chat conversation, counted like OpenAI's cookbook
 * (`num_tokens_from_messages`): 3 per message, the tokens of each value, 1 more
 * for a name, 3 to prime the reply. Tool calls and tool schemas are counted as
 * their JSON text, an approximation of how they are rendered.
 */
export function chatTokens(messages: readonly ChatMessage[], tools?: readonly Tool[]): number {
  let n = 3;
  for (const m of messages) {
    n += 3 + textTokens(m.role);
    if (m.content) n += textTokens(m.content);
    if (m.name) n += textTokens(m.name) + 1;
    if (m.tool_calls) {
      for (const call of m.tool_calls)
        n += textTokens(call.function.name) + textTokens(call.function.arguments) + 3;
    }
  }
  if (tools && tools.length > 0) n += textTokens(JSON.stringify(tools));
  return n;
}

/**
 * Tokens of one example in the chat shape OpenAI trains on: completion and
 * classification examples become a user and an assistant message; a
 * preference example counts its input plus both outputs.
 */
export function exampleTokens(example: ExampleDraft): number {
  switch (example.kind) {
    case 'chat':
      return chatTokens(example.messages, example.tools);
    case 'completion':
      return 11 + textTokens(example.prompt) + textTokens(example.completion);
    case 'classification':
      return 11 + textTokens(example.text) + textTokens(example.label);
    case 'preference':
      return (
        chatTokens(example.input) + 2 * 4 + textTokens(example.preferred) + textTokens(example.nonPreferred)
      );
  }
}
