import { z } from 'zod';
import { ChatMessageSchema } from '../src/dataset/example.js';
import { DEFAULT_GATE_RULE, GATE_RULES } from './gate-rule.js';

/**
 * The suite schema: the source of truth for suite files (YAML/JSON) and
 * TypeScript suites. `evals/suite.schema.json` is generated from it for editors.
 */

/** Built-in categories; users may name their own. */
export const BUILTIN_CATEGORIES = ['held-out', 'edge', 'adversarial'] as const;

export const GRADER_FAMILIES = [
  'equals',
  'label',
  'contains',
  'regex',
  'json-schema',
  'numeric',
  'similarity',
  'llm-judge',
] as const;
export type GraderFamily = (typeof GRADER_FAMILIES)[number];

// `not-<family>` inverts any grader; the inversion is applied once, in grade.ts.
const graderType = <T extends GraderFamily>(family: T) =>
  z.enum([family, `not-${family}`] as [T, `not-${T}`]);

/** The value to compare with; defaults to the case's `expected`. */
const value = z.union([z.string(), z.number(), z.boolean()]).optional();

export const EqualsGraderSchema = z
  .object({
    type: graderType('equals'),
    value,
    /** Trim surrounding whitespace. @default true */
    trim: z.boolean().default(true),
    /** Compare case-insensitively. @default false */
    ignoreCase: z.boolean().default(false),
    /** Collapse runs of whitespace to one space. @default false */
    collapseWhitespace: z.boolean().default(false),
    /** Drop punctuation before comparing. @default false */
    ignorePunctuation: z.boolean().default(false),
    /** Unicode normalisation form applied to both sides. @default 'NFC' */
    unicode: z.enum(['NFC', 'NFKC', 'none']).default('NFC'),
  })
  .strict();

export const LabelGraderSchema = z
  .object({
    type: graderType('label'),
    value,
    /** The valid labels. Without `value`/`expected`, the grade is "output is one of these". */
    labels: z.array(z.string()).optional(),
  })
  .strict();

export const ContainsGraderSchema = z
  .object({
    type: graderType('contains'),
    /** One string, or several (see `match`). Defaults to `expected`. */
    value: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    /** With several values: all must appear, or any one. @default 'all' */
    match: z.enum(['all', 'any']).default('all'),
    /** @default false */
    ignoreCase: z.boolean().default(false),
  })
  .strict();

export const RegexGraderSchema = z
  .object({
    type: graderType('regex'),
    pattern: z.string(),
    /** JavaScript RegExp flags, e.g. `i`. @default '' */
    flags: z
      .string()
      .regex(/^[dgimsuvy]*$/, 'flags must be JavaScript RegExp flags')
      .default(''),
  })
  .strict();

export const JsonSchemaGraderSchema = z
  .object({
    type: graderType('json-schema'),
    /** A JSON Schema the parsed output must satisfy; without it the output only has to parse. */
    schema: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export const NumericGraderSchema = z
  .object({
    type: graderType('numeric'),
    value: z.number().optional(),
    /** Largest accepted |output − value|. @default 0 */
    tolerance: z.number().nonnegative().default(0),
    /** Tolerance is a fraction of |value| instead of an absolute amount. @default false */
    relative: z.boolean().default(false),
  })
  .strict();

export const SimilarityGraderSchema = z
  .object({
    type: graderType('similarity'),
    value: z.string().optional(),
    /** Token F1 (SQuAD-style) or ROUGE-L F-measure. @default 'f1' */
    metric: z.enum(['f1', 'rouge-l']).default('f1'),
    /** Score needed to pass. @default 0.5 */
    threshold: z.number().min(0).max(1).default(0.5),
  })
  .strict();

export const LlmJudgeGraderSchema = z
  .object({
    type: graderType('llm-judge'),
    /** What a good answer looks like; the judge answers PASS or FAIL. */
    rubric: z.string().min(1),
    /** Judge calls per case; the majority decides. Odd numbers avoid ties. @default 1 */
    k: z.number().int().positive().default(1),
    /** Model ref of the judge; the caller resolves it (default: the run's judge model). */
    model: z.string().optional(),
  })
  .strict();

export const GraderSpecSchema = z.discriminatedUnion('type', [
  EqualsGraderSchema,
  LabelGraderSchema,
  ContainsGraderSchema,
  RegexGraderSchema,
  JsonSchemaGraderSchema,
  NumericGraderSchema,
  SimilarityGraderSchema,
  LlmJudgeGraderSchema,
]);
export type GraderSpec = z.infer<typeof GraderSpecSchema>;
export type GraderSpecInput = z.input<typeof GraderSpecSchema>;

export const CaseInputSchema = z.union([z.string(), z.array(ChatMessageSchema).min(1)]);
export type CaseInput = z.infer<typeof CaseInputSchema>;

export const ExpectedSchema = z.union([z.string(), z.number(), z.boolean()]);

export const EvalCaseSchema = z
  .object({
    /** Stable id; generated from the content (hash) when a file omits it. */
    id: z.string().min(1).optional(),
    /** `held-out`, `edge`, `adversarial` or your own. @default 'held-out' */
    category: z.string().min(1).default('held-out'),
    input: CaseInputSchema,
    expected: ExpectedSchema.optional(),
    /** Graders for this case; without any, `expected` is checked by `equals` (trimmed). */
    graders: z.array(GraderSpecSchema).optional(),
    /** The generator that made this case (set by generators). */
    generator: z.string().optional(),
    /** Id of the case a generated case was derived from. */
    sourceId: z.string().optional(),
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();
export type EvalCaseInput = z.input<typeof EvalCaseSchema>;
/** A case once loaded: it always has an id. */
export type EvalCase = z.infer<typeof EvalCaseSchema> & { id: string };

export const EDGE_GENERATORS = [
  'empty',
  'whitespace',
  'very-long',
  'unicode-noise',
  'rtl',
  'combining-marks',
  'confusables',
  'upper-case',
  'lower-case',
  'typos',
  'punctuation-noise',
  'number-formats',
  'date-formats',
] as const;
export const ADVERSARIAL_GENERATORS = [
  'injection-prefix',
  'injection-suffix',
  'hidden-instruction',
  'roleplay-jailbreak',
  'distractor-labels',
  'base64',
  'leetspeak',
  'format-breaking',
  'secret-extraction',
  'pii-extraction',
] as const;
export const GENERATOR_NAMES = [...EDGE_GENERATORS, ...ADVERSARIAL_GENERATORS] as const;
export type GeneratorName = (typeof GENERATOR_NAMES)[number];

export const CaseSourceSchema = z.union([
  z
    .object({
      /** A JSONL file of cases (path relative to the suite file). */
      file: z.string().min(1),
      /** Category for lines that name none. */
      category: z.string().optional(),
    })
    .strict(),
  z
    .object({
      /** A prepared folder (`polytune data prepare`); only its `test` split is read. */
      heldout: z.string().min(1),
      /** @default 'held-out' */
      category: z.string().default('held-out'),
      /** Read at most this many test examples. */
      limit: z.number().int().positive().optional(),
    })
    .strict(),
  z
    .object({
      /** Generators to apply: names, or `edge` / `adversarial` for a whole family. */
      generate: z.array(z.union([z.enum(GENERATOR_NAMES), z.enum(['edge', 'adversarial'])])).min(1),
      /** Categories of the non-generated cases to derive from. @default ['held-out'] */
      from: z.array(z.string()).default(['held-out']),
      /** Fraction of source cases to derive from, chosen by seeded hash. @default 1 */
      rate: z.number().gt(0).max(1).default(1),
      /** Derive from at most this many source cases. */
      limit: z.number().int().positive().optional(),
      /** @default 1 */
      seed: z.number().int().default(1),
    })
    .strict(),
]);
export type CaseSource = z.infer<typeof CaseSourceSchema>;

export const GenerationParamsSchema = z
  .object({
    maxTokens: z.number().int().positive().optional(),
    /** @default 0 */
    temperature: z.number().min(0).default(0),
    topP: z.number().gt(0).max(1).optional(),
    stop: z.array(z.string()).optional(),
    seed: z.number().int().optional(),
  })
  .strict();
export type GenerationParams = z.infer<typeof GenerationParamsSchema>;

export const SuiteSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().min(1),
    description: z.string().optional(),
    /** A system message put before every case's input. */
    system: z.string().optional(),
    /** Inline cases. */
    cases: z.array(EvalCaseSchema).default([]),
    /** More cases: JSONL files, a prepared test split, generators. */
    sources: z.array(CaseSourceSchema).default([]),
    /** Graders for cases that name none. */
    graders: z.array(GraderSpecSchema).optional(),
    /** Valid labels (classification); generators use them for distractors and format checks. */
    labels: z.array(z.string()).optional(),
    generation: GenerationParamsSchema.default({ temperature: 0 }),
    /** Gate thresholds, e.g. `passRate >= 0.9` (see `polytune gate`). */
    thresholds: z.array(z.string()).default([]),
    /**
     * Short display names for the models in reports and tables, name → model ref, e.g.
     * `{ tuned: 'job:3f2a9c', base: 'openai:gpt-4o-mini' }`. `--model tuned` then evaluates that ref.
     */
    models: z
      .record(
        z.string().regex(/^[A-Za-z0-9][\w.+-]{0,39}$/, 'a short name: letters, digits, . _ + -, at most 40'),
        z.string().min(1),
      )
      .optional(),
    /** How `thresholds` are judged: `point` (measured value) or `bound` (95% interval bound); see README "Gate rules". */
    gate: z
      .object({ rule: z.enum(GATE_RULES).default(DEFAULT_GATE_RULE) })
      .strict()
      .optional(),
  })
  .strict();
export type SuiteInput = z.input<typeof SuiteSchema>;
export type Suite = z.infer<typeof SuiteSchema>;

/** A parsed suite plus the folder its relative paths resolve against. */
export interface LoadedSuite {
  suite: Suite;
  baseDir: string;
  /** The file it came from, when it came from a file. */
  file?: string;
}
