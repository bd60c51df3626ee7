import { defineCompiler } from '../../src/dataset/compiler.js';
import type { Example } from '../../src/dataset/example.js';

/** The local ONNX backend's training rows: `{"text","label"}` or `{"prompt","completion"}`. */
export const localOnnxCompiler = defineCompiler({
  worker: { module: import.meta.url, export: 'localOnnxCompiler' },
  provider: 'local-onnx',
  kinds: ['classification', 'completion'],
  limits: {
    approximateTokens: true,
    note: 'The local backend tokenises with its own word tokenizer; o200k_base counts are only indicative.',
  },
  compileExample(example: Example): string {
    switch (example.kind) {
      case 'classification':
        return JSON.stringify({ text: example.text, label: example.label });
      case 'completion':
        return JSON.stringify({ prompt: example.prompt, completion: example.completion });
      default:
        throw new Error('unreachable: kind checked by defineCompiler');
    }
  },
});
