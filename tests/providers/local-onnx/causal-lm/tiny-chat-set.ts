import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type TinyDecoderOptions,
  writeTinyDecoder,
} from '../../../../providers/local-onnx/causal-lm/tiny-decoder-folder.js';
import type { ChatExample } from '../../../../src/dataset/example.js';

const THINGS = [
  'river',
  'lamp',
  'tiger',
  'violin',
  'garden',
  'rocket',
  'mirror',
  'forest',
  'candle',
  'bridge',
];
const ASKS = ['colour', 'number', 'city', 'sound'];
const COLOURS = ['red', 'blue', 'green', 'amber', 'violet', 'silver', 'black', 'white'];
const NOUNS = ['stone', 'cloud', 'seed', 'wave', 'ember', 'feather'];

/** 40 questions with fixed two-word answers; the answer is a fixed, arbitrary function of the question. */
export function tinyChatSet(): Array<{ question: string; answer: string }> {
  const set: Array<{ question: string; answer: string }> = [];
  let i = 0;
  for (const thing of THINGS) {
    for (const ask of ASKS) {
      set.push({
        question: `what is the ${ask} of the ${thing} ?`,
        answer: `${COLOURS[(i * 5) % COLOURS.length]} ${NOUNS[(i * 7 + 3) % NOUNS.length]}`,
      });
      i++;
    }
  }
  return set;
}

export function chatExamples(set = tinyChatSet()): ChatExample[] {
  return set.map((qa, i) => ({
    id: `qa-${i}`,
    kind: 'chat',
    messages: [
      { role: 'user', content: qa.question },
      { role: 'assistant', content: qa.answer },
    ],
  }));
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `polytune-${prefix}-`));
}

/** A random decoder folder whose vocabulary covers the tiny chat set. */
export async function tinyDecoderDir(options: Partial<TinyDecoderOptions> = {}): Promise<string> {
  const dir = tempDir(`decoder-${options.family ?? 'llama'}`);
  const texts = tinyChatSet().flatMap((qa) => [qa.question, qa.answer]);
  await writeTinyDecoder(dir, { texts, ...options });
  return dir;
}
