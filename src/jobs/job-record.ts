import { z } from 'zod';
import { JobSpecSchema } from './job-spec.js';
import { JOB_STATES } from './job-state.js';

const CostSchema = z.object({
  currency: z.literal('USD'),
  amount: z.number(),
  estimate: z.boolean(),
  basis: z.string(),
  source: z.string(),
  date: z.string(),
  /** Unverified price, assumed epochs, tiered pricing (CostEstimate.note). */
  note: z.string().optional(),
  breakdown: z.record(z.string(), z.number()).optional(),
});

export const StateEntrySchema = z.object({
  state: z.enum(JOB_STATES),
  rawState: z.string(),
  at: z.string(),
  detail: z.string().optional(),
});
export type StateEntry = z.infer<typeof StateEntrySchema>;

export const UploadRecordSchema = z.object({
  /** The file's role or name (`train`, `validation`, `template.json`). */
  name: z.string(),
  sha256: z.string(),
  remoteId: z.string(),
});
export type UploadRecord = z.infer<typeof UploadRecordSchema>;

/** Something deployed from the job (a SageMaker endpoint, a Vertex endpoint) that costs money while it runs. */
export const DeploymentRecordSchema = z.object({
  kind: z.string(),
  /** The provider's id for it (endpoint name or resource name). */
  id: z.string(),
  status: z.string().optional(),
  createdAt: z.string(),
  deletedAt: z.string().optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type DeploymentRecord = z.infer<typeof DeploymentRecordSchema>;

/**
 * One job in the ledger (`<ledger>/jobs/<key>.json`). Written first as an
 * intent (no `remoteId`) before any remote call, so a crash at any point leaves
 * a record that the next run re-attaches from.
 */
export const JobRecordSchema = z.object({
  version: z.literal(1),
  key: z.string(),
  provider: z.string(),
  /** The provider's job id; absent until the create call answered (or a lookup found it). */
  remoteId: z.string().optional(),
  spec: JobSpecSchema,
  /** The prepared folder the job was submitted from. */
  dataDir: z.string().optional(),
  datasetHashes: z.record(z.string(), z.string()),
  uploads: z.array(UploadRecordSchema).default([]),
  history: z.array(StateEntrySchema).default([]),
  modelId: z.string().optional(),
  trainedTokens: z.number().optional(),
  costEstimate: CostSchema.optional(),
  costActual: CostSchema.optional(),
  deployments: z.array(DeploymentRecordSchema).optional(),
  error: z.object({ code: z.string().optional(), message: z.string() }).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type JobRecord = z.infer<typeof JobRecordSchema>;

/** The latest state in a record's history (`preparing` before the first snapshot). */
export function currentState(record: JobRecord): StateEntry {
  return (
    record.history[record.history.length - 1] ?? {
      state: 'preparing',
      rawState: 'intent',
      at: record.createdAt,
    }
  );
}
