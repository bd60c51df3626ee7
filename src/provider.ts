/**
 * The contract every backend implements (`providers/<id>/`). It names no
 * backend, so adding a provider touches nothing here.
 */
import type { CostEstimate } from './cost/cost-estimate.js';
import type { DatasetStats } from './dataset/dataset-stats.js';
import type { ChatMessage } from './dataset/example.js';
import type { PreparedData } from './dataset/prepared-manifest.js';
import type { JobSpec, Method } from './jobs/job-spec.js';
import type { JobState } from './jobs/job-state.js';

/** A problem found before any upload; errors stop a submit, warnings are shown in the plan. */
export interface Issue {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  file?: string;
  line?: number;
}

/** Identifies one job everywhere: the local key and the provider's id for it. */
export interface JobRef {
  provider: string;
  /** polytune's job key (hash of data, provider, base model, method, hyperparameters). */
  key: string;
  /** The provider's id: OpenAI `ftjob-…`, Vertex tuning job resource name, SageMaker job name, local dir. */
  remoteId: string;
}

export interface JobSnapshot {
  ref: JobRef;
  state: JobState;
  /** The provider's own status string, always kept. */
  rawState: string;
  /** A secondary status or message (SageMaker SecondaryStatus, failure reason). */
  detail?: string;
  createdAt?: string;
  finishedAt?: string;
  /** The tuned model or endpoint, once there is one. */
  modelId?: string;
  metrics?: Record<string, number>;
  error?: { code?: string; message: string };
  /** Tokens the provider billed for training, when it reports them. */
  trainedTokens?: number;
  /** Actual cost, when it can be computed from what the provider reports. */
  cost?: CostEstimate;
}

export interface JobEvent {
  /** Stable per job, so consumers can de-duplicate and resume (`since`). */
  id: string;
  at: string;
  kind: 'state' | 'metric' | 'log';
  level: 'info' | 'warn' | 'error';
  message: string;
  state?: JobState;
  metrics?: Record<string, number>;
}

/** Passed to `submit` by the jobs core. */
export interface SubmitContext {
  /** The job key: the provider tags the remote job with it and looks for it before creating. */
  key: string;
  signal?: AbortSignal;
  /** Called after each upload so the ledger records file ids (uploads are deduped by content hash). */
  onUpload?(upload: { name: string; sha256: string; remoteId: string }): void | Promise<void>;
  /** Progress for the CLI to render (uploads, reconcile, create). */
  onEvent?(event: JobEvent): void;
}

export interface GenerateRequest {
  input: string | ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  seed?: number;
}

export interface Generation {
  text: string;
  usage?: { inputTokens: number; outputTokens: number };
  latencyMs: number;
  /** Class probabilities, for classifiers (the local backend). */
  probabilities?: Record<string, number>;
}

/** Price of inference, per 1M tokens, for eval cost figures. */
export interface InferencePrice {
  inputPer1M: number;
  outputPer1M: number;
  /** Where the figure came from and when it was read. */
  source: string;
  date: string;
}

/** A handle the eval runner can call. Evals see models only through this. */
export interface Model {
  /** A ref that `polytune eval --model` accepts again, e.g. `openai:ft:gpt-4o-mini:acme::abc`. */
  id: string;
  provider: string;
  generate(request: GenerateRequest, signal?: AbortSignal): Promise<Generation>;
  price?: InferencePrice;
  /** Releases sessions or sockets the handle holds. */
  close?(): Promise<void>;
  /** The provider's batch service for this model, when it has one (`eval --batch`). */
  batch?: BatchCapability;
}

/** A base model that can be fine-tuned now, and where polytune learned so. */
export interface TunableModel {
  id: string;
  methods: readonly Method[];
  /** Where the fact came from: `hub` (SageMaker JumpStart hub), `table` (a dated data file), `calendar`, `config`. */
  source: string;
  /** The page or API the fact was read from. */
  sourceUrl?: string;
  /** When it was read (YYYY-MM-DD), or the hub content version's date. */
  date: string;
  /** The date new jobs stop being accepted, when announced. */
  shutdownAt?: string;
  /** Short remarks: regions, adapter sizes, EULA, version. */
  notes?: string;
}

export interface ProviderCapabilities {
  methods: readonly Method[];
  maxExamples?: number;
  maxTokensPerExample?: number;
  minExamples?: number;
}

export interface Provider {
  id: string;
  capabilities: ProviderCapabilities;
  /**
   * Plan-time lookups `validate` and `price` need and cannot do synchronously
   * (SageMaker: the base model's JumpStart hub document, the data's lengths).
   * Called before them by `tune` and `submitJob`; failures become issues, not throws.
   */
  prepare?(spec: JobSpec, data?: PreparedData): Promise<void>;
  /** Provider limits, checked before any upload. */
  validate(stats: DatasetStats, spec: JobSpec): Issue[];
  /** Upload (deduped by content hash) and create, idempotently: re-attaches to a job tagged with `ctx.key`. */
  submit(spec: JobSpec, data: PreparedData, ctx: SubmitContext): Promise<JobRef>;
  /** Looks up a job by its key tag without creating anything (re-attach after a crash). */
  find(key: string): Promise<JobRef | undefined>;
  get(ref: JobRef): Promise<JobSnapshot>;
  cancel(ref: JobRef): Promise<void>;
  /** Events so far, oldest first; `since` is an event id already seen. */
  events(ref: JobRef, since?: string): AsyncIterable<JobEvent>;
  /** A Model for a finished job, or for a model id the provider serves. */
  model(target: JobRef | string): Promise<Model>;
  /** Estimate before submit from the dataset's token counts. */
  price(spec: JobSpec, stats: DatasetStats): CostEstimate;
  /** What can be fine-tuned now (`polytune models --provider <id>`), with its source and date. */
  listTunableModels?(): Promise<TunableModel[]>;
}

/** Per-batch limits of a provider's batch service, with where they were read. */
export interface BatchLimits {
  maxRequests: number;
  maxBytes: number;
  source: string;
  /** When the limits were read (YYYY-MM-DD). */
  date: string;
}

/** One remote batch, found again by polytune's batch key (OpenAI `metadata`, Vertex `labels`). */
export interface BatchRef {
  key: string;
  remoteId: string;
}

export type BatchState = 'running' | 'completed' | 'failed' | 'expired' | 'cancelled';

export interface BatchSnapshot {
  ref: BatchRef;
  state: BatchState;
  /** The service's own status string. */
  rawState: string;
  counts: { total: number; completed: number; failed: number };
  /** Why the whole batch failed, when it did. */
  error?: string;
}

/** One answered line: a generation, or the service's error for that line. */
export type BatchLineResult =
  | { customId: string; generation: Generation }
  | { customId: string; error: { code: string; message: string } };

/**
 * A model's batch service (OpenAI Batch API, Vertex batch prediction). Every
 * method is keyed by a polytune batch key, so a killed run finds its batches
 * again and never pays twice.
 */
export interface BatchCapability {
  limits: BatchLimits;
  /** Batch price (the service's discount applied), for result costs. */
  price?: InferencePrice;
  /** The request as one line of the service's input JSONL. */
  encode(customId: string, request: GenerateRequest): string;
  /** Uploads the lines and creates one batch tagged with `key`. */
  submit(key: string, lines: readonly string[], signal?: AbortSignal): Promise<BatchRef>;
  /** The batch tagged with `key`, if the service has one. */
  find(key: string, signal?: AbortSignal): Promise<BatchRef | undefined>;
  poll(ref: BatchRef, signal?: AbortSignal): Promise<BatchSnapshot>;
  /** Every line the service answered or failed (output and error files). */
  read(ref: BatchRef, signal?: AbortSignal): AsyncIterable<BatchLineResult>;
}
