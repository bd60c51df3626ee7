import { z } from 'zod';
import { EXAMPLE_KINDS } from './example.js';

/**
 * `manifest.json` of a prepared dataset folder (written by `data prepare`):
 *
 *   <dir>/manifest.json
 *   <dir>/train.jsonl, validation.jsonl, test.jsonl    canonical examples, one per line
 *   <dir>/<provider>/train.jsonl, validation.jsonl      compiled upload files (+ extra files)
 *
 * Jobs key their idempotency on the content hashes here; evals read only `test`.
 */
export const SplitFileSchema = z.object({
  file: z.string(),
  count: z.number().int().nonnegative(),
  sha256: z.string(),
});

export const CompiledFilesSchema = z.object({
  /** Paths relative to the prepared folder, e.g. `openai/train.jsonl`. */
  train: SplitFileSchema,
  validation: SplitFileSchema.optional(),
  /** Other files the provider uploads with the data (SageMaker's `template.json`). */
  extra: z.array(SplitFileSchema).default([]),
});
export type CompiledFiles = z.infer<typeof CompiledFilesSchema>;

export const DroppedRecordSchema = z.object({
  file: z.string(),
  line: z.number().int().optional(),
  reason: z.string(),
  /** The id of the example it duplicates, when the reason is a duplicate. */
  duplicateOf: z.string().optional(),
});
export type DroppedRecord = z.infer<typeof DroppedRecordSchema>;

/** A validation or test example that near-duplicates a training example. */
export const LeakagePairSchema = z.object({
  split: z.enum(['validation', 'test']),
  id: z.string(),
  line: z.number().int().optional(),
  trainId: z.string(),
  trainLine: z.number().int().optional(),
  /** Estimated Jaccard similarity (MinHash over word 3-grams). */
  similarity: z.number(),
});
export type LeakagePair = z.infer<typeof LeakagePairSchema>;

export const PreparedManifestSchema = z.object({
  version: z.literal(1),
  createdBy: z.string(),
  kind: z.enum(EXAMPLE_KINDS as ['chat', 'completion', 'classification', 'preference']),
  seed: z.number().int(),
  split: z.tuple([z.number(), z.number(), z.number()]),
  source: z.object({ file: z.string(), sha256: z.string() }),
  counts: z.object({ read: z.number().int(), kept: z.number().int(), dropped: z.number().int() }),
  splits: z.object({ train: SplitFileSchema, validation: SplitFileSchema, test: SplitFileSchema }),
  compiled: z.record(z.string(), CompiledFilesSchema),
  dropped: z.array(DroppedRecordSchema),
  /** DatasetStats, stored as written. */
  stats: z.record(z.string(), z.unknown()),
  labels: z.array(z.string()).optional(),
  /** Leakage check across splits (added after v1's first release; absent in older manifests). */
  leakage: z.array(LeakagePairSchema).optional(),
});
export type PreparedManifest = z.infer<typeof PreparedManifestSchema>;

/** A prepared folder: its absolute path and its parsed manifest. */
export interface PreparedData {
  dir: string;
  manifest: PreparedManifest;
}
