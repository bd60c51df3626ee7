import { defineCompiler } from '../../src/dataset/compiler.js';
import type { ChatMessage, Example } from '../../src/dataset/example.js';

/**
 * JumpStart instruction tuning reads `template.json` beside the rows; its
 * placeholders name the row fields. The prompt already holds any context
 * (instruction + "\n\n" + context), so rows have two fields.
 */
export const SAGEMAKER_INSTRUCTION_TEMPLATE = {
  prompt:
    'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Response:\n',
  completion: '{response}',
} as const;

/**
 * Dialog messages for JumpStart chat tuning (`chat_dataset=True`): `{role, content}`.
 * The dialog format has no tool-call fields, so tool calls are written as JSON text.
 */
function dialogMessage(m: ChatMessage): { role: string; content: string } {
  let content = m.content ?? '';
  if (m.tool_calls && m.tool_calls.length > 0) {
    const calls = JSON.stringify(
      m.tool_calls.map((c) => ({ name: c.function.name, arguments: c.function.arguments })),
    );
    content = content ? `${content}\n${calls}` : calls;
  }
  return { role: m.role, content };
}

/** SageMaker JumpStart: `{"dialog": [...]}` for chat, instruction rows + `template.json` otherwise. */
export const sagemakerCompiler = defineCompiler({
  worker: { module: import.meta.url, export: 'sagemakerCompiler' },
  provider: 'sagemaker',
  kinds: ['chat', 'completion', 'classification'],
  limits: {
    maxTokensPerExample: 8_192,
    approximateTokens: true,
    note: "Llama's tokenizer differs from o200k_base: counts are an approximation. 8,192 tokens is the Llama 3 context JumpStart trains at by default (max_input_length=-1 means the model's limit).",
  },
  extraFiles(kind): Record<string, string> {
    return kind === 'chat'
      ? {}
      : { 'template.json': `${JSON.stringify(SAGEMAKER_INSTRUCTION_TEMPLATE, null, 2)}\n` };
  },
  compileExample(example: Example): string {
    switch (example.kind) {
      case 'chat':
        return JSON.stringify({ dialog: example.messages.map(dialogMessage) });
      case 'completion':
        return JSON.stringify({ instruction: example.prompt, response: example.completion });
      case 'classification':
        return JSON.stringify({ instruction: example.text, response: example.label });
      default:
        throw new Error('unreachable: kind checked by defineCompiler');
    }
  },
});
