import type { ChatMessage } from '../../src/dataset/example.js';
import type { EvalCase, GeneratorName, GraderSpec } from '../suite.js';
import { adversarialGenerators } from './adversarial.js';
import type { CaseGenerator, GeneratorContext } from './case-generator.js';
import { edgeGenerators } from './edge.js';
import { deriveSeed, seededRandom } from './seeded-random.js';

export const GENERATORS: readonly CaseGenerator[] = [...edgeGenerators, ...adversarialGenerators];

/** Expands `edge` / `adversarial` into their generators; keeps the listed order, without repeats. */
export function resolveGenerators(
  names: readonly (GeneratorName | 'edge' | 'adversarial')[],
): CaseGenerator[] {
  const out: CaseGenerator[] = [];
  for (const name of names) {
    const matches = GENERATORS.filter((g) => g.name === name || g.family === name);
    for (const g of matches) if (!out.includes(g)) out.push(g);
  }
  return out;
}

/** The text a generator transforms: the string input, or the last user message. */
function textOf(input: EvalCase['input']): string {
  if (typeof input === 'string') return input;
  for (let i = input.length - 1; i >= 0; i--) if (input[i]?.role === 'user') return input[i]?.content ?? '';
  return '';
}

function withText(input: EvalCase['input'], text: string): EvalCase['input'] {
  if (typeof input === 'string') return text;
  const messages: ChatMessage[] = input.map((m) => ({ ...m }));
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i] as ChatMessage;
    if (message.role === 'user') {
      message.content = text;
      return messages;
    }
  }
  return [...messages, { role: 'user', content: text }];
}

/** What a case whose meaning was destroyed can still be held to: a valid label, or any non-empty answer. */
function wellFormedGraders(labels: readonly string[] | undefined): GraderSpec[] {
  return labels && labels.length > 0
    ? [{ type: 'label', labels: [...labels] }]
    : [{ type: 'regex', pattern: String.raw`\S`, flags: '' }];
}

/**
 * Derives one case from `base` with `generator`, deterministically for
 * (seed, base id, generator). Returns undefined when the generator does not
 * apply to this case. `base.graders` must be its effective graders.
 */
export function deriveCase(
  base: EvalCase,
  generator: CaseGenerator,
  seed: number,
  context: Omit<GeneratorContext, 'expected'> = {},
): EvalCase | undefined {
  const random = seededRandom(deriveSeed(seed, base.id, generator.name));
  const result = generator.transform(textOf(base.input), random, { ...context, expected: base.expected });
  if (!result) return undefined;
  const keep = generator.preservesMeaning;
  // `base.graders` are already the effective ones (case, suite default or implicit equals).
  const graders = keep
    ? [...(base.graders ?? []), ...(result.graders ?? [])]
    : [...wellFormedGraders(context.labels), ...(result.graders ?? [])];
  return {
    id: `${base.id}~${generator.name}`,
    category: generator.family,
    input: withText(base.input, result.text),
    expected: keep ? base.expected : undefined,
    graders,
    generator: generator.name,
    sourceId: base.id,
    meta: base.meta,
  };
}
