import { resolve } from 'node:path';
import type { CostEstimate } from '../src/cost/cost-estimate.js';
import { roundUsd } from '../src/cost/money.js';
import type { DatasetStats } from '../src/dataset/dataset-stats.js';
import type { PreparedData } from '../src/dataset/prepared-manifest.js';
import { isPolytuneError, PolytuneError } from '../src/errors.js';
import { datasetHashesFor, jobKey } from '../src/jobs/job-key.js';
import type { JobSpec, Method } from '../src/jobs/job-spec.js';
import { loadPreparedData } from '../src/jobs/load-prepared.js';
import { parseJobSpec } from '../src/jobs/submit-job.js';
import type { Issue, Provider } from '../src/provider.js';
import { applyPoint, blockPoints, type SearchPoint } from './search-space.js';
import type { LoadedSweep, Sweep, TrialBlock } from './sweep-schema.js';

/** Builds a provider by id; the caller decides how (the CLI's registry and config, a test's fake). */
export type ProviderFactory = (id: string) => Promise<Provider>;

/**
 * `planned`: will run. `cut-budget` / `cut-trials`: dropped because the budget's
 * money or trial count cannot hold it. `refused-unpriced`: no price known and
 * `allowUnpriced` is off. `invalid`: the spec or the provider's validation failed.
 */
export type TrialPlanStatus = 'planned' | 'cut-budget' | 'cut-trials' | 'refused-unpriced' | 'invalid';

export interface PlannedTrial {
  /** `<block name>-<n>`, stable for the same file. */
  id: string;
  block: string;
  provider: string;
  point: SearchPoint;
  spec: JobSpec;
  /** The job key: the same trial in a re-run re-attaches to its job. */
  key: string;
  estimate?: CostEstimate;
  issues: Issue[];
  status: TrialPlanStatus;
  reason?: string;
  /** Successive halving of the trial's block (see `runHalving`). */
  halving?: { fraction: number };
}

export interface SweepPlan {
  name: string;
  data: string;
  budget: Sweep['budget'];
  order: Sweep['order'];
  allowUnpriced: boolean;
  /** Every trial, in run order (planned ones first in the order chosen), cut ones after. */
  trials: PlannedTrial[];
  /** Sum of the planned trials' estimates (unpriced ones count 0 and are listed in `unpriced`). */
  total: number;
  unpriced: number;
}

export interface PlanSweepOptions {
  providers: ProviderFactory;
  /** Run trials whose price is unknown (they count 0 in the plan). @default false */
  allowUnpriced?: boolean;
  /** The prepared data, when the caller has loaded it already. */
  data?: PreparedData;
}

function defaultMethod(block: TrialBlock, data: PreparedData, provider: Provider): Method {
  if (block.method) return block.method;
  const kind = data.manifest.kind;
  if (kind === 'preference') return 'dpo';
  if (kind === 'classification' && provider.capabilities.methods.includes('classification'))
    return 'classification';
  return 'sft';
}

function blockSpec(block: TrialBlock, point: SearchPoint, data: PreparedData, provider: Provider): JobSpec {
  const baseModel = block.baseModel ?? (provider.id === 'local-onnx' ? 'default' : undefined);
  if (!baseModel) {
    throw new PolytuneError('INVALID_INPUT', `The trials block for ${provider.id} names no baseModel.`, {
      hint: 'Add `baseModel:` to the block, e.g. gpt-4.1-mini-2025-04-14 or gemini-2.5-flash.',
    });
  }
  return parseJobSpec({
    provider: provider.id,
    baseModel,
    method: defaultMethod(block, data, provider),
    ...applyPoint(point, block.fixed, block.extra),
  });
}

function priceOf(provider: Provider, spec: JobSpec, stats: DatasetStats): CostEstimate | string {
  try {
    return provider.price(spec, stats);
  } catch (error) {
    return isPolytuneError(error) || error instanceof Error ? error.message : String(error);
  }
}

/** Halving trains extra probe jobs the plan does not price, so it is kept to the free local backend. */
function halvingIssue(providerId: string, spec: JobSpec): string | undefined {
  if (providerId !== 'local-onnx')
    return `halving is for local-onnx trials (their probe jobs cost nothing); ${providerId} bills each one`;
  if (spec.hyperparameters.epochs === undefined)
    return 'halving needs epochs (in `fixed`, `grid` or `random`)';
  return undefined;
}

/** Every trial of every block with its spec, key, validation issues and price; nothing is cut yet. */
async function expandTrials(sweep: Sweep, data: PreparedData, providers: ProviderFactory) {
  const stats = data.manifest.stats as unknown as DatasetStats;
  const trials: PlannedTrial[] = [];
  const used = new Map<string, number>();
  for (const block of sweep.trials) {
    const provider = await providers(block.provider);
    const base = block.name ?? block.provider;
    for (const point of blockPoints(block)) {
      const n = (used.get(base) ?? 0) + 1;
      used.set(base, n);
      const trial: PlannedTrial = {
        id: `${base}-${n}`,
        block: base,
        provider: provider.id,
        point,
        spec: { provider: provider.id, baseModel: block.baseModel ?? '', method: 'sft', hyperparameters: {} },
        key: '',
        issues: [],
        status: 'planned',
        ...(block.halving ? { halving: block.halving } : {}),
      };
      trials.push(trial);
      try {
        trial.spec = blockSpec(block, point, data, provider);
      } catch (error) {
        trial.status = 'invalid';
        trial.reason = (error as Error).message;
        continue;
      }
      const halvingProblem = block.halving && halvingIssue(provider.id, trial.spec);
      if (halvingProblem) {
        trial.status = 'invalid';
        trial.reason = halvingProblem;
        continue;
      }
      trial.key = jobKey(trial.spec, datasetHashesFor(data, provider.id));
      trial.issues = provider.validate(stats, trial.spec);
      const errors = trial.issues.filter((i) => i.severity === 'error');
      if (errors.length) {
        trial.status = 'invalid';
        trial.reason = errors.map((i) => `${i.code}: ${i.message}`).join('; ');
        continue;
      }
      const price = priceOf(provider, trial.spec, stats);
      if (typeof price === 'string') trial.reason = `no price (${price.replace(/\.$/, '')})`;
      else trial.estimate = price;
    }
  }
  return trials;
}

/**
 * Plans a sweep before any money is spent: expands the search spaces, prices
 * each trial with its provider, refuses unpriced trials (unless allowed), then
 * keeps trials in the sweep's order (`cheapest-first`, or the file's) while
 * the running total of estimates stays within `budget.usd` and the count
 * within `budget.trials`. A trial that does not fit is cut and the next is
 * still considered, so a cheaper later trial can use what is left.
 */
export async function planSweep(loaded: LoadedSweep, options: PlanSweepOptions): Promise<SweepPlan> {
  const { sweep } = loaded;
  const data = options.data ?? (await loadPreparedData(resolve(loaded.baseDir, sweep.data)));
  const allowUnpriced = options.allowUnpriced ?? false;
  const trials = await expandTrials(sweep, data, options.providers);
  for (const trial of trials) {
    if (trial.status === 'planned' && !trial.estimate && !allowUnpriced) {
      trial.status = 'refused-unpriced';
      trial.reason = `${trial.reason ?? 'no price'}; pass --allow-unpriced (allowUnpriced) to run it anyway`;
    }
  }
  const candidates = trials.filter((t) => t.status === 'planned');
  if (sweep.order === 'cheapest-first') {
    // Stable sort: equal estimates keep the file's order; unpriced trials go last.
    candidates.sort(
      (a, b) =>
        (a.estimate?.amount ?? Number.POSITIVE_INFINITY) - (b.estimate?.amount ?? Number.POSITIVE_INFINITY),
    );
  }
  let total = 0;
  let kept = 0;
  let unpriced = 0;
  for (const trial of candidates) {
    const amount = trial.estimate?.amount ?? 0;
    if (sweep.budget.trials !== undefined && kept >= sweep.budget.trials) {
      trial.status = 'cut-trials';
      trial.reason = `budget.trials is ${sweep.budget.trials}`;
    } else if (total + amount > sweep.budget.usd + 1e-9) {
      trial.status = 'cut-budget';
      trial.reason = `$${amount.toFixed(2)} more would take the plan to $${(total + amount).toFixed(2)}, over the $${sweep.budget.usd.toFixed(2)} budget`;
    } else {
      total += amount;
      kept++;
      if (!trial.estimate) unpriced++;
    }
  }
  const ordered = [
    ...candidates.filter((t) => t.status === 'planned'),
    ...trials.filter((t) => t.status !== 'planned'),
  ];
  return {
    name: sweep.name,
    data: data.dir,
    budget: sweep.budget,
    order: sweep.order,
    allowUnpriced,
    trials: ordered,
    total: roundUsd(total),
    unpriced,
  };
}
