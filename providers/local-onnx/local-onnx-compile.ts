import { defineCompiler } from '../../src/dataset/compiler.js';
import type { Example } from '../../src/dataset/example.js';

/** The local ONNX backend's training rows: `{"text","label"}`, `{"prompt","completion"}` or `{"messages"}` (LoRA on a causal LM). */
export const localOnnxCompiler = defineCompiler({
  worker: { module: import.meta.url, export: 'localOnnxCompiler' },
  provider: 'local-onnx',
  kinds: ['classification', 'completion', 'chat'],
  limits: {
    approximateTokens: true,
    note: "The local backend tokenises with the base model's own tokenizer; o200k_base counts are only indicative.",
  },
  compileExample(example: Example): string {
    switch (example.kind) {
      case 'classification':
        return JSON.stringify({ text: example.text, label: example.label });
      case 'completion':
        return JSON.stringify({ prompt: example.prompt, completion: example.completion });
      case 'chat':
        return JSON.stringify({ messages: example.messages });
      default:
        throw new Error('unreachable: kind checked by defineCompiler');
    }
  },
});
