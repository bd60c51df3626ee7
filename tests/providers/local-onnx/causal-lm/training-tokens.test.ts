import { describe, expect, it } from 'vitest';
import { loadCausalLmFolder } from '../../../../providers/local-onnx/causal-lm/causal-lm-folder.js';
import { ChatPrompt } from '../../../../providers/local-onnx/causal-lm/chat-prompt.js';
import { trainingTokens } from '../../../../providers/local-onnx/causal-lm/training-tokens.js';
import { tinyDecoderDir } from './tiny-chat-set.js';

describe('training tokens', () => {
  it('targets assistant turns through their end-of-turn token only, and skips turns with weight 0', async () => {
    const folder = await loadCausalLmFolder(await tinyDecoderDir());
    const prompt = new ChatPrompt(folder);
    const seq = trainingTokens(
      prompt,
      {
        id: 'c',
        kind: 'chat',
        messages: [
          { role: 'user', content: 'what is the colour of the lamp ?' },
          { role: 'assistant', content: 'red stone', weight: 0 },
          { role: 'user', content: 'what is the city of the lamp ?' },
          { role: 'assistant', content: 'blue wave' },
        ],
      },
      folder.eosIds[0],
    );
    const tokens = folder.tokenizer.decode(seq?.ids ?? [], { skip_special_tokens: false });
    expect(tokens).toContain('red stone');
    const targets = (seq?.ids ?? []).filter((_, i) => seq?.target[i]);
    expect(folder.tokenizer.decode(targets, { skip_special_tokens: false })).toBe('blue wave <|im_end|>');
  });

  it('targets a completion and the EOS after it, not the prompt', async () => {
    const folder = await loadCausalLmFolder(await tinyDecoderDir());
    const seq = trainingTokens(
      new ChatPrompt(folder),
      { id: 'p', kind: 'completion', prompt: 'the river', completion: 'red seed' },
      2,
    );
    expect(seq?.target).toEqual([false, false, true, true, true]);
    expect(seq?.ids.at(-1)).toBe(2);
  });
});
