import type { ChatMessage, Example } from '../../../src/dataset/example.js';
import { PolytuneError } from '../../../src/errors.js';
import type { ChatPrompt } from './chat-prompt.js';

/** One training sequence: its token ids and which of them are predicted (loss on assistant tokens only). */
export interface TrainingTokens {
  id: string;
  ids: number[];
  /** true where the token is a target (an assistant token of weight ≠ 0, or a completion token). */
  target: boolean[];
}

/**
 * Tokenises segment by segment (template text up to an answer, then the answer
 * through the template's end-of-turn), so the target span is exact whatever
 * the tokenizer would merge across the boundary.
 */
function chatTokens(prompt: ChatPrompt, id: string, messages: readonly ChatMessage[]): TrainingTokens {
  const ids: number[] = [];
  const target: boolean[] = [];
  const push = (text: string, isTarget: boolean) => {
    for (const token of text ? prompt.encode(text) : []) {
      ids.push(token);
      target.push(isTarget);
    }
  };
  let done = '';
  messages.forEach((message, k) => {
    if (message.role !== 'assistant') return;
    const before = prompt.render(messages.slice(0, k), true);
    const through = prompt.render(messages.slice(0, k + 1), false);
    if (!before.startsWith(done) || !through.startsWith(before)) {
      throw new PolytuneError(
        'INVALID_INPUT',
        `Example ${id}: the chat template does not render turn ${k + 1} as a continuation of the turns before it.`,
        {
          hint: 'Use a template that renders each turn after the previous ones (ChatML, Llama 3, …), or completion data.',
        },
      );
    }
    push(before.slice(done.length), false);
    push(through.slice(before.length), message.weight !== 0);
    done = through;
  });
  return { id, ids, target };
}

/** Chat examples through the template; completions as prompt then completion + EOS. */
export function trainingTokens(
  prompt: ChatPrompt,
  example: Example,
  eosId: number | undefined,
): TrainingTokens | undefined {
  if (example.kind === 'chat') return chatTokens(prompt, example.id, example.messages);
  if (example.kind !== 'completion') return undefined;
  const p = prompt.encode(example.prompt);
  const c = [...prompt.encode(example.completion), ...(eosId === undefined ? [] : [eosId])];
  return { id: example.id, ids: [...p, ...c], target: [...p.map(() => false), ...c.map(() => true)] };
}
