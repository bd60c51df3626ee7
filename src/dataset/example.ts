import { createHash } from 'node:crypto';
import { z } from 'zod';

/**
 * The canonical example: the only shape that crosses from `src/dataset` to
 * `providers/*`. Four kinds; every example has a stable `id` (a hash of its
 * normalised content) and the `source` it came from.
 */

export const ROLES = ['system', 'user', 'assistant', 'tool'] as const;
export type Role = (typeof ROLES)[number];

export const ToolCallSchema = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
export type ToolCall = z.infer<typeof ToolCallSchema>;

export const ToolSchema = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string(),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});
export type Tool = z.infer<typeof ToolSchema>;

export const ChatMessageSchema = z
  .object({
    role: z.enum(ROLES),
    // null is allowed for an assistant message that only calls tools.
    content: z.string().nullable(),
    name: z.string().optional(),
    /** 0 excludes an assistant message from the training loss (OpenAI `weight`). */
    weight: z.union([z.literal(0), z.literal(1)]).optional(),
    tool_calls: z.array(ToolCallSchema).optional(),
    tool_call_id: z.string().optional(),
  })
  .strict();
export type ChatMessage = z.infer<typeof ChatMessageSchema>;

export const SourceSchema = z.object({
  file: z.string(),
  /** 1-based line of a JSONL file, or the line a CSV record starts on. */
  line: z.number().int().positive().optional(),
  /** 1-based record number (CSV row excluding the header, JSON array index + 1). */
  row: z.number().int().positive().optional(),
});
export type Source = z.infer<typeof SourceSchema>;

const base = {
  id: z.string(),
  source: SourceSchema.optional(),
  /** Free-form metadata carried through (e.g. a category column used for stratification). */
  meta: z.record(z.string(), z.unknown()).optional(),
};

export const ChatExampleSchema = z.object({
  ...base,
  kind: z.literal('chat'),
  messages: z.array(ChatMessageSchema).min(1),
  tools: z.array(ToolSchema).optional(),
  parallel_tool_calls: z.boolean().optional(),
});

export const CompletionExampleSchema = z.object({
  ...base,
  kind: z.literal('completion'),
  prompt: z.string(),
  completion: z.string(),
});

export const ClassificationExampleSchema = z.object({
  ...base,
  kind: z.literal('classification'),
  text: z.string(),
  label: z.string(),
});

export const PreferenceExampleSchema = z.object({
  ...base,
  kind: z.literal('preference'),
  input: z.array(ChatMessageSchema).min(1),
  preferred: z.string(),
  nonPreferred: z.string(),
});

export const ExampleSchema = z.discriminatedUnion('kind', [
  ChatExampleSchema,
  CompletionExampleSchema,
  ClassificationExampleSchema,
  PreferenceExampleSchema,
]);

export type Example = z.infer<typeof ExampleSchema>;
export type ChatExample = z.infer<typeof ChatExampleSchema>;
export type CompletionExample = z.infer<typeof CompletionExampleSchema>;
export type ClassificationExample = z.infer<typeof ClassificationExampleSchema>;
export type PreferenceExample = z.infer<typeof PreferenceExampleSchema>;
export type ExampleKind = Example['kind'];
export const EXAMPLE_KINDS: readonly ExampleKind[] = ['chat', 'completion', 'classification', 'preference'];

/** The part of an example that defines its identity: everything but id, source and meta. */
export function exampleContent(example: Omit<Example, 'id'> | Example): unknown {
  const { id: _id, source: _source, meta: _meta, ...content } = example as Example;
  return content;
}

/** JSON with object keys sorted, so equal content always serialises the same way. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** Stable id: the first 16 hex digits of sha256 over the canonical content. */
export function exampleId(example: Omit<Example, 'id'> | Example): string {
  return createHash('sha256')
    .update(canonicalJson(exampleContent(example)))
    .digest('hex')
    .slice(0, 16);
}

/** Plain text of an example, for dedupe and similarity (no roles, no ids). */
export function exampleText(example: Example): string {
  switch (example.kind) {
    case 'chat':
      return example.messages.map((m) => m.content ?? '').join('\n');
    case 'completion':
      return `${example.prompt}\n${example.completion}`;
    case 'classification':
      return example.text;
    case 'preference':
      return `${example.input.map((m) => m.content ?? '').join('\n')}\n${example.preferred}\n${example.nonPreferred}`;
  }
}

/** The label of a classification example (used for stratified splits and class stats). */
export function exampleLabel(example: Example): string | undefined {
  return example.kind === 'classification' ? example.label : undefined;
}
