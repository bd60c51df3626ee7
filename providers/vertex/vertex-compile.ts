import { defineCompiler } from '../../src/dataset/compiler.js';
import type { ChatExample, Example, PreferenceExample } from '../../src/dataset/example.js';

export interface VertexCompileOptions {
  /** `systemInstruction` for completion/classification examples. */
  systemPrompt?: string;
}

type Part = Record<string, unknown>;
interface Content {
  role: 'user' | 'model';
  parts: Part[];
}

function functionResponse(text: string | null): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text ?? '');
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // not JSON: wrap the text below
  }
  return { content: text ?? '' };
}

/**
 * Chat → Gemini: system messages become `systemInstruction`, assistant → `model`,
 * tool calls → `functionCall` parts, tool results → `functionResponse` parts in
 * a user turn, and consecutive turns of one role are merged (Gemini alternates).
 * Gemini tuning has no per-message weight: every model turn is trained on.
 */
function chatLine(example: ChatExample): Record<string, unknown> {
  const system: string[] = [];
  const contents: Content[] = [];
  const callNames = new Map<string, string>();
  const push = (role: Content['role'], part: Part) => {
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(part);
    else contents.push({ role, parts: [part] });
  };
  for (const m of example.messages) {
    if (m.role === 'system') {
      if (m.content) system.push(m.content);
    } else if (m.role === 'user') {
      push('user', { text: m.content ?? '' });
    } else if (m.role === 'assistant') {
      if (m.content) push('model', { text: m.content });
      for (const call of m.tool_calls ?? []) {
        callNames.set(call.id, call.function.name);
        let args: unknown = {};
        try {
          args = JSON.parse(call.function.arguments || '{}');
        } catch {
          args = { arguments: call.function.arguments };
        }
        push('model', { functionCall: { name: call.function.name, args } });
      }
    } else {
      const name = (m.tool_call_id && callNames.get(m.tool_call_id)) ?? m.name ?? 'tool';
      push('user', { functionResponse: { name, response: functionResponse(m.content) } });
    }
  }
  const line: Record<string, unknown> = {};
  if (system.length > 0) line.systemInstruction = { parts: [{ text: system.join('\n\n') }] };
  line.contents = contents;
  if (example.tools && example.tools.length > 0) {
    line.tools = [
      {
        functionDeclarations: example.tools.map((t) => ({
          name: t.function.name,
          ...(t.function.description !== undefined ? { description: t.function.description } : {}),
          ...(t.function.parameters !== undefined ? { parameters: t.function.parameters } : {}),
        })),
      },
    ];
  }
  return line;
}

function exchange(system: string | undefined, user: string, model: string): Record<string, unknown> {
  const line: Record<string, unknown> = {};
  if (system) line.systemInstruction = { parts: [{ text: system }] };
  line.contents = [
    { role: 'user', parts: [{ text: user }] },
    { role: 'model', parts: [{ text: model }] },
  ];
  return line;
}

/**
 * Preference → Gemini preference-tuning line: the prompt as `contents` ending
 * with a user turn, `system_instruction`, and two `completions`, score 1 for
 * the preferred model turn and 0 for the other. Format from
 * https://docs.cloud.google.com/vertex-ai/generative-ai/docs/models/gemini-preference-tuning-prepare
 * (read 2026-12-06); the page spells it `system_instruction`.
 */
function preferenceLine(example: PreferenceExample): Record<string, unknown> {
  const prompt = chatLine({ kind: 'chat', id: example.id, messages: example.input } as ChatExample);
  const line: Record<string, unknown> = {};
  if (prompt.systemInstruction) line.system_instruction = prompt.systemInstruction;
  line.contents = prompt.contents;
  line.completions = [
    { score: 1, completion: { role: 'model', parts: [{ text: example.preferred }] } },
    { score: 0, completion: { role: 'model', parts: [{ text: example.nonPreferred }] } },
  ];
  return line;
}

/** Vertex AI Gemini tuning JSONL: supervised lines, and preference lines for preference data. */
export function createVertexCompiler(options: VertexCompileOptions = {}) {
  return defineCompiler({
    provider: 'vertex',
    worker: { module: import.meta.url, export: 'createVertexCompiler', args: [options] },
    kinds: ['chat', 'completion', 'classification', 'preference'],
    limits: {
      maxTokensPerExample: 131_072,
      recommendedExamples: 100,
      approximateTokens: true,
      note: "Gemini's tokenizer is not public: counts are o200k_base, an approximation. 131,072 input+output tokens per example (Gemini 2.5 Flash); ~100 examples recommended.",
    },
    compileExample(example: Example): string {
      switch (example.kind) {
        case 'chat':
          return JSON.stringify(chatLine(example));
        case 'completion':
          return JSON.stringify(exchange(options.systemPrompt, example.prompt, example.completion));
        case 'classification':
          return JSON.stringify(exchange(options.systemPrompt, example.text, example.label));
        case 'preference':
          return JSON.stringify(preferenceLine(example));
      }
    },
  });
}

export const vertexCompiler = createVertexCompiler();
