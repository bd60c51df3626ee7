import type { GeneratorName, GraderSpec } from '../suite.js';
import type { Random } from './seeded-random.js';

export interface GeneratorContext {
  /** The suite's valid labels, when it has them. */
  labels?: readonly string[];
  /** The suite's system message, which adversarial cases try to extract. */
  system?: string;
  /** The case's expected answer, for generators that must avoid it. */
  expected?: string | number | boolean;
}

/**
 * One transformation of a case's text. `preservesMeaning` decides whether the
 * derived case keeps the source's expected answer; when it does not, the case
 * only checks that the output stays well-formed.
 */
export interface CaseGenerator {
  name: GeneratorName;
  family: 'edge' | 'adversarial';
  preservesMeaning: boolean;
  /** One line for reports. */
  description: string;
  /**
   * The new text and any graders the attack makes necessary (e.g. the canary
   * must not appear), or undefined when the transformation does not apply
   * (no dates to reformat, no labels to distract with).
   */
  transform(text: string, random: Random, context: GeneratorContext): GeneratedText | undefined;
}

export interface GeneratedText {
  text: string;
  graders?: GraderSpec[];
}
