import { resolve } from 'node:path';
import { z } from 'zod';
import { PolytuneError } from '../../src/errors.js';
import { DEFAULT_BASE_DIR } from './base-model.js';
import { ClassifierConfigSchema } from './fine-tune-classifier.js';

export const LOCAL_ONNX_ID = 'local-onnx';

/** Settings of the local backend (config file section merged with flags). */
export const LocalOnnxSettingsSchema = z.object({
  /** Where job folders and the feature cache live. @default ".polytune/local-onnx" */
  workDir: z.string().default('.polytune/local-onnx'),
  /** `auto` tries CUDA and falls back to the CPU. @default "auto" */
  device: z.enum(['auto', 'cpu', 'cuda']).default('auto'),
  /**
   * `detached`: training runs in its own process that outlives the CLI call
   * (status, events and cancel go through the job folder). `in-process`: a
   * background task of this process (SDK use, tests). @default "detached"
   */
  execution: z.enum(['detached', 'in-process']).default('detached'),
  /** Classifier training defaults, overridden per job by hyperparameters and `extra`. */
  training: ClassifierConfigSchema.partial().default({}),
});
export type LocalOnnxSettings = z.input<typeof LocalOnnxSettingsSchema>;
export type ParsedLocalOnnxSettings = z.infer<typeof LocalOnnxSettingsSchema>;

export function parseLocalOnnxSettings(settings: unknown): ParsedLocalOnnxSettings {
  const parsed = LocalOnnxSettingsSchema.safeParse(settings);
  if (!parsed.success) {
    throw new PolytuneError(
      'USAGE',
      `Invalid local-onnx settings: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { hint: 'See README "Local backend" for workDir, device, execution and training.' },
    );
  }
  return parsed.data;
}

export const DEFAULT_BASE_NAMES = new Set(['default', 'default-base', 'wink-glove-100d']);

/** `default` names the embedded classifier base; anything else is a folder (`local-onnx:` prefix allowed). */
export function resolveBaseDir(baseModel: string): string {
  return DEFAULT_BASE_NAMES.has(baseModel)
    ? DEFAULT_BASE_DIR
    : resolve(baseModel.replace(/^local-onnx:/, ''));
}

/** Keeps only the keys the user set: zod fills defaults even in a partial schema. */
export function givenKeys(raw: unknown, value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(value).filter(([k]) => typeof raw === 'object' && raw !== null && k in raw),
  );
}

/** Options in `spec.extra`, checked against the job kind's schema, with one clear error. */
export function parseExtra<T extends z.ZodTypeAny>(schema: T, extra: unknown, options: string): z.infer<T> {
  const parsed = schema.safeParse(extra ?? {});
  if (!parsed.success) {
    throw new PolytuneError(
      'USAGE',
      `Invalid local-onnx options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { hint: `Options: ${options}.` },
    );
  }
  return parsed.data;
}
