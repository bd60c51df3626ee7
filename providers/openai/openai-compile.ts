import { defineCompiler } from '../../src/dataset/compiler.js';
import type { ChatMessage, Example } from '../../src/dataset/example.js';

export interface OpenAICompileOptions {
  /** System message put first when completion/classification examples become chat. */
  systemPrompt?: string;
}

/** A message as OpenAI's chat fine-tuning format spells it (no null content, no empty keys). */
function openaiMessage(m: ChatMessage): Record<string, unknown> {
  const out: Record<string, unknown> = { role: m.role };
  if (m.content !== null) out.content = m.content;
  if (m.name !== undefined) out.name = m.name;
  if (m.tool_calls !== undefined) out.tool_calls = m.tool_calls;
  if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
  if (m.weight !== undefined) out.weight = m.weight;
  return out;
}

function turn(system: string | undefined, user: string, assistant: string): Record<string, unknown>[] {
  const messages: Record<string, unknown>[] = [];
  if (system) messages.push({ role: 'system', content: system });
  messages.push({ role: 'user', content: user }, { role: 'assistant', content: assistant });
  return messages;
}

/**
 * OpenAI fine-tuning JSONL: chat SFT lines (`messages`, `tools`,
 * `parallel_tool_calls`, per-message `weight`), DPO lines for preference
 * examples (`input`, `preferred_output`, `non_preferred_output`); completion
 * and classification examples become a user → assistant exchange.
 */
export function createOpenAICompiler(options: OpenAICompileOptions = {}) {
  return defineCompiler({
    provider: 'openai',
    worker: { module: import.meta.url, export: 'createOpenAICompiler', args: [options] },
    kinds: ['chat', 'completion', 'classification', 'preference'],
    limits: {
      maxTokensPerExample: 65_536,
      minExamples: 10,
      recommendedExamples: 50,
      approximateTokens: false,
      note: 'o200k_base is the tokenizer of gpt-4o / gpt-4.1 models; 65,536 tokens per example is the limit Azure OpenAI documents for gpt-4o(-mini); minimum 10 examples.',
    },
    compileExample(example: Example): string {
      switch (example.kind) {
        case 'chat': {
          const line: Record<string, unknown> = { messages: example.messages.map(openaiMessage) };
          if (example.tools) line.tools = example.tools;
          if (example.parallel_tool_calls !== undefined)
            line.parallel_tool_calls = example.parallel_tool_calls;
          return JSON.stringify(line);
        }
        case 'completion':
          return JSON.stringify({ messages: turn(options.systemPrompt, example.prompt, example.completion) });
        case 'classification':
          return JSON.stringify({ messages: turn(options.systemPrompt, example.text, example.label) });
        case 'preference':
          return JSON.stringify({
            input: { messages: example.input.map(openaiMessage) },
            preferred_output: [{ role: 'assistant', content: example.preferred }],
            non_preferred_output: [{ role: 'assistant', content: example.nonPreferred }],
          });
      }
    },
  });
}

export const openaiCompiler = createOpenAICompiler();
