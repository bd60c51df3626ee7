import type { CostEstimate } from '../../src/cost/cost-estimate.js';
import { PolytuneError } from '../../src/errors.js';
import { mapRawState } from '../../src/jobs/job-state.js';
import type { JobRef, JobSnapshot } from '../../src/provider.js';
import type { LocalJobLauncher } from './local-job-launcher.js';
import { jobPaths, LOCAL_STATE_TABLE, readJob, readStatus } from './local-job-store.js';
import { LOCAL_ONNX_ID } from './local-onnx-options.js';

export function localCost(kind: 'estimate' | 'actual'): CostEstimate {
  return {
    currency: 'USD',
    amount: 0,
    estimate: kind === 'estimate',
    basis: 'local training on this machine: no provider charge (hardware and electricity not counted)',
    source: 'local-onnx',
    date: new Date().toISOString().slice(0, 10),
  };
}

/** A job's normalised state from its folder; a worker that died mid-run reads as `interrupted`. */
export async function localJobSnapshot(ref: JobRef, launcher: LocalJobLauncher): Promise<JobSnapshot> {
  const dir = ref.remoteId;
  // Looked up before the status is read: an in-process job can finish (write its final
  // status, then leave `running`) while the reads below are awaited.
  const wasRunningHere = launcher.runningHere(dir);
  const job = await readJob(dir);
  const status = await readStatus(dir);
  if (!job || !status) {
    throw new PolytuneError('NOT_FOUND', `No local job at ${dir}.`, {
      hint: 'Check the job key, or the workDir setting it was submitted with.',
    });
  }
  let raw = status.rawState;
  let detail = status.detail;
  if ((raw === 'running' || raw === 'cancelling') && !wasRunningHere && !launcher.alive(dir, status.pid)) {
    raw = 'interrupted';
    detail =
      'the training process ended without finishing; submit the same job again to resume from its last checkpoint';
  }
  const state = mapRawState(LOCAL_STATE_TABLE, raw);
  const modelDir = jobPaths(dir).model;
  return {
    ref,
    state,
    rawState: raw,
    detail: status.device ? `${detail ?? ''}${detail ? '; ' : ''}device ${status.device}` : detail,
    createdAt: job.createdAt,
    finishedAt: status.finishedAt,
    modelId: state === 'succeeded' ? `${LOCAL_ONNX_ID}:${modelDir}` : undefined,
    metrics: status.metrics,
    error:
      status.error ??
      (raw === 'interrupted' ? { code: 'INTERRUPTED', message: detail as string } : undefined),
    cost: state === 'succeeded' ? localCost('actual') : undefined,
  };
}
