import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { ChatMessage, Tool } from './example.js';
import type { ExampleDraft } from './map-record.js';

/** The tokenizer behind every count: OpenAI's current models use o200k_base. */
export const TOKENIZER = 'o200k_base';

// Short strings recur (system prompts, tool schemas, labels): count them once.
const cache = new Map<string, number>();
const CACHE_MAX_ENTRIES = 20_000;
const CACHE_MAX_CHARS = 16_384;

/** o200k_base tokens in a string. */
export function textTokens(text: string): number {
  if (text.length === 0) return 0;
  if (text.length > CACHE_MAX_CHARS) return countTokens(text);
  let n = cache.get(text);
  if (n === undefined) {
    n = countTokens(text);
    if (cache.size >= CACHE_MAX_ENTRIES) cache.clear();
    cache.set(text, n);
  }
  return n;
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
