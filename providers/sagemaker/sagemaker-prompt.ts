import type { ChatMessage } from '../../src/dataset/example.js';

/** How chat messages become the one `inputs` string the JumpStart containers take. */
export type PromptFormat = 'llama3' | 'mistral' | 'plain';

export function promptFormatFor(modelId: string | undefined): PromptFormat {
  if (!modelId) return 'llama3';
  if (/llama-3/i.test(modelId)) return 'llama3';
  if (/mistral|mixtral/i.test(modelId)) return 'mistral';
  return 'plain';
}

export function renderPrompt(input: string | ChatMessage[], format: PromptFormat): string {
  if (typeof input === 'string') return input;
  switch (format) {
    case 'llama3':
      return `<|begin_of_text|>${input
        .map((m) => `<|start_header_id|>${m.role}<|end_header_id|>\n\n${m.content ?? ''}<|eot_id|>`)
        .join('')}<|start_header_id|>assistant<|end_header_id|>\n\n`;
    case 'mistral': {
      // Mistral has no system role: the system text leads the first user turn.
      const system = input.filter((m) => m.role === 'system').map((m) => m.content ?? '');
      let pendingSystem = system.length ? `${system.join('\n')}\n\n` : '';
      let out = '<s>';
      for (const m of input) {
        if (m.role === 'system') continue;
        if (m.role === 'assistant') out += ` ${m.content ?? ''}</s>`;
        else {
          out += `[INST] ${pendingSystem}${m.content ?? ''} [/INST]`;
          pendingSystem = '';
        }
      }
      return out;
    }
    case 'plain':
      return `${input.map((m) => `${m.role}: ${m.content ?? ''}`).join('\n')}\nassistant:`;
  }
}
