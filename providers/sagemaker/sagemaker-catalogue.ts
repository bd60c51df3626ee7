import { z } from 'zod';
import { PolytuneError } from '../../src/errors.js';
import catalogueData from './sagemaker-catalogue.json' with { type: 'json' };

/**
 * The JumpStart models polytune can fine-tune, as data (`sagemaker-catalogue.json`).
 * URIs carry `{region}` and `{account}` placeholders; users add or override
 * entries in their config (`providers.sagemaker.models`).
 */
export const HyperparameterValuesSchema = z.record(z.string(), z.string());

export const CatalogueEntrySchema = z
  .object({
    displayName: z.string(),
    /** Other names a user may pass as `--base-model`. @default [] */
    aliases: z.array(z.string()).default([]),
    /** Parameter count in billions (for the plan and the throughput assumption). */
    parametersB: z.number().positive().optional(),
    /** The weights are gated: `ModelAccessConfig.AcceptEula` is sent on the model channel. */
    eula: z.boolean(),
    /** Training image URI pattern (`{account}`, `{region}`). */
    trainingImage: z.string().min(1),
    /** Hosting image URI pattern for `deploy`. */
    inferenceImage: z.string().min(1),
    /** S3 prefix of the JumpStart training scripts (the `code` channel). */
    codeUri: z.string().regex(/^s3:\/\//),
    /** S3 prefix of the base weights (the `model` channel). */
    modelUri: z.string().regex(/^s3:\/\//),
    defaultInstanceType: z.string().startsWith('ml.'),
    testedInstanceTypes: z.array(z.string().startsWith('ml.')).min(1),
    defaultInferenceInstanceType: z.string().startsWith('ml.'),
    /** @default 256 */
    volumeSizeGB: z.number().int().positive().default(256),
    /** Training tokens per second per instance type, an assumption used only for the estimate. */
    assumedTokensPerSecond: z.record(z.string(), z.number().positive()).default({ default: 1000 }),
    /** JumpStart hyperparameter defaults, as the strings SageMaker takes. */
    hyperparameters: HyperparameterValuesSchema,
    notes: z.string().optional(),
  })
  .strict();
export type CatalogueEntry = z.infer<typeof CatalogueEntrySchema>;
export type CatalogueEntryInput = z.input<typeof CatalogueEntrySchema>;

const FileSchema = z.object({
  dlcAccounts: z.record(z.string(), z.string()),
  dlcRegions: z.array(z.string()),
  models: z.record(z.string(), CatalogueEntrySchema),
});

const builtIn = FileSchema.parse(catalogueData);

export interface ResolvedModel extends CatalogueEntry {
  /** The JumpStart model id (the catalogue key). */
  id: string;
}

export interface Catalogue {
  ids(): string[];
  /** Finds by id or alias; unknown models fail with the list of known ones. */
  resolve(baseModel: string): ResolvedModel;
}

/** A user entry may override some fields of a built-in one, or define a new model in full. */
export function createCatalogue(
  user: Record<string, Partial<CatalogueEntryInput> | Record<string, unknown>> = {},
): Catalogue {
  const entries = new Map<string, CatalogueEntry>(Object.entries(builtIn.models));
  for (const [id, patch] of Object.entries(user)) {
    const merged = { ...(entries.get(id) ?? {}), ...patch };
    const parsed = CatalogueEntrySchema.safeParse(merged);
    if (!parsed.success) {
      throw new PolytuneError(
        'INVALID_INPUT',
        `SageMaker catalogue entry "${id}" is incomplete or invalid: ${parsed.error.issues
          .map((i) => `${i.path.join('.')}: ${i.message}`)
          .join('; ')}`,
        {
          hint: 'A new model under providers.sagemaker.models needs every field of a built-in entry (see providers/sagemaker/sagemaker-catalogue.json).',
        },
      );
    }
    checkMemoryStrategy(id, parsed.data.hyperparameters);
    entries.set(id, parsed.data);
  }
  return {
    ids: () => [...entries.keys()],
    resolve(baseModel) {
      for (const [id, entry] of entries) {
        if (id === baseModel || entry.aliases.includes(baseModel)) return { id, ...entry };
      }
      throw new PolytuneError(
        'UNSUPPORTED',
        `SageMaker has no catalogue entry for base model "${baseModel}".`,
        {
          hint: `Use one of: ${[...entries.keys()].join(', ')}; or add an entry under providers.sagemaker.models in polytune.config.`,
        },
      );
    },
  };
}

/** JumpStart's Llama scripts take exactly one of int8 quantization or FSDP. */
export function checkMemoryStrategy(id: string, hyperparameters: Record<string, string>): void {
  const on = ['int8_quantization', 'enable_fsdp'].filter((k) => hyperparameters[k] === 'True');
  if (on.length !== 1) {
    throw new PolytuneError(
      'INVALID_INPUT',
      `SageMaker model "${id}": exactly one of int8_quantization and enable_fsdp must be "True" (got ${on.length}).`,
      { hint: 'Set one of them to "True" and the other to "False".' },
    );
  }
}

/** Fills `{region}` and `{account}` (the region's AWS Deep Learning Containers account). */
export function regionalUri(pattern: string, region: string): string {
  if (pattern.includes('{account}') && !builtIn.dlcRegions.includes(region)) {
    throw new PolytuneError('UNSUPPORTED', `No known SageMaker image account for region ${region}.`, {
      hint: `Use one of ${builtIn.dlcRegions.join(', ')}, or set trainingImage/inferenceImage to full URIs for this model under providers.sagemaker.models.`,
    });
  }
  const account = builtIn.dlcAccounts[region] ?? builtIn.dlcAccounts.default ?? '';
  return pattern.replaceAll('{region}', region).replaceAll('{account}', account);
}
