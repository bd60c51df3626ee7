import { z } from 'zod';
import { CleanOptionsSchema } from './clean-example.js';
import { EXAMPLE_KINDS, type ExampleKind } from './example.js';
import { PRESET_NAMES, type PresetName } from './presets.js';

export const LoadOptionsSchema = z.object({
  /** Input format; detected from the extension and content when absent. */
  format: z.enum(['jsonl', 'json', 'csv', 'tsv']).optional(),
  /** Kind of examples the file holds; detected from its fields when absent. */
  kind: z.enum(EXAMPLE_KINDS as [ExampleKind, ...ExampleKind[]]).optional(),
  /** A named input shape; detected when absent. */
  preset: z.enum(PRESET_NAMES as [PresetName, ...PresetName[]]).optional(),
  /** Canonical field → source field, e.g. `{text: 'utterance', label: 'intent'}`. */
  map: z.record(z.string(), z.string()).optional(),
  /** A source column to stratify the split by (and keep in `meta`); classification uses the label by default. */
  stratify: z.string().optional(),
});

export const DedupeOptionsSchema = z.object({
  /**
   * Drop examples whose cleaned content equals an earlier one.
   * @default true
   */
  exact: z.boolean().default(true),
  /**
   * Estimated Jaccard similarity (word 3-gram shingles, MinHash) at or
   * above which two examples are near-duplicates; 1 turns the check off.
   * @default 0.9
   */
  nearDuplicateThreshold: z.number().min(0.5).max(1).default(0.9),
  /**
   * `drop` near-duplicates of an earlier example, or `keep` them (the leakage
   * check then reports validation/test examples that near-duplicate training ones).
   * @default 'drop'
   */
  nearDuplicates: z.enum(['drop', 'keep']).default('drop'),
});

export const ScanOptionsSchema = LoadOptionsSchema.extend({
  clean: CleanOptionsSchema.default({ unicode: 'NFC', whitespace: 'trim' }),
  dedupe: DedupeOptionsSchema.default({ exact: true, nearDuplicateThreshold: 0.9, nearDuplicates: 'drop' }),
  /**
   * Findings stored per code (all are counted).
   * @default 100
   */
  maxIssuesPerCode: z.number().int().positive().default(100),
  /**
   * Worker threads for the per-example work (parse, map, clean, token count,
   * MinHash, compile); the output is byte-identical with any number. `auto`:
   * one per core for files over 16 MB, where they pay for their start (each
   * holds its own tokenizer tables, ~90 MB); 0 keeps everything on this thread
   * (lowest memory).
   * @default 'auto'
   */
  workers: z.union([z.literal('auto'), z.number().int().min(0).max(64)]).default('auto'),
});
export type ScanOptions = z.input<typeof ScanOptionsSchema>;
export type ResolvedScanOptions = z.output<typeof ScanOptionsSchema>;
