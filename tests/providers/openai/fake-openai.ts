import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpResponse, http } from 'msw';
import type { ConformanceBackend, ScriptedState } from '../../conformance/provider-conformance.js';

/**
 * A scriptable fake of the OpenAI files / fine-tuning / chat API, holding its
 * state in memory. One request handler (WHATWG Request → Response) serves both
 * msw (`fakeOpenAIHandlers`) and a plain node:http server on 127.0.0.1
 * (`startFakeOpenAIServer`). Every JSON or multipart body is recorded for the
 * contract tests.
 */
export interface RecordedRequest {
  method: string;
  /** Path below the API root, e.g. `/fine_tuning/jobs`. */
  path: string;
  query: Record<string, string>;
  /** Parsed JSON, or multipart fields with files replaced by their file names. */
  body?: unknown;
}

export type Fault =
  | { kind: 'crash-after'; method: string; path: string }
  | {
      kind: 'status';
      method: string;
      path: string;
      status: number;
      headers?: Record<string, string>;
      body?: unknown;
    };

interface FakeJob extends Record<string, unknown> {
  id: string;
  status: string;
  model: string;
  metadata: Record<string, string> | null;
  created_at: number;
}

const RAW: Record<ScriptedState, string> = {
  queued: 'queued',
  validating: 'validating_files',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
};

/**
 * What the service accepts as a base model, and the models OpenAI shut down
 * (providers/openai/openai-model-calendar.ts has the sources). The service
 * answers 400 for either; the fake does too.
 */
const FINE_TUNABLE = [
  'gpt-4.1-2025-04-14',
  'gpt-4.1',
  'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-mini',
  'gpt-4o-2024-08-06',
  'gpt-4o',
  'gpt-4o-mini-2024-07-18',
  'gpt-4o-mini',
  'o4-mini-2025-04-16',
];
const SHUT_DOWN = ['gpt-4.1-nano-2025-04-14', 'gpt-3.5-turbo-0125', 'gpt-3.5-turbo', 'o4-mini-2025-04-16'];
// The request fields `POST /fine_tuning/jobs` takes (CreateFineTuningJobRequest); the API refuses others.
const CREATE_FIELDS = new Set([
  'model',
  'training_file',
  'hyperparameters',
  'suffix',
  'validation_file',
  'integrations',
  'seed',
  'method',
  'metadata',
]);

export class FakeOpenAI implements ConformanceBackend {
  files = new Map<string, Record<string, unknown>>();
  jobs = new Map<string, FakeJob>();
  events = new Map<string, Record<string, unknown>[]>();
  requests: RecordedRequest[] = [];
  faults: Fault[] = [];
  cancels = new Set<string>();
  generationText = 'The answer is 4.';
  /** Status a new file gets; `uploaded` files turn `processed` after `processingPolls` retrieves. */
  newFileStatus: 'processed' | 'uploaded' = 'processed';
  processingPolls = 1;
  /** States applied one per job read (`GET /fine_tuning/jobs/{id}`), to let a poller see progress. */
  autoAdvance: ScriptedState[] = [];
  /** Base models the fake accepts for fine-tuning, and those it answers as shut down. */
  fineTunable = new Set(FINE_TUNABLE);
  shutDown = new Set(SHUT_DOWN);
  private polls = new Map<string, number>();
  private seq = 0;
  private clock = 1_767_225_600; // 2026-01-01, seconds

  private tick(): number {
    this.clock += 1;
    return this.clock;
  }
  private nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}-${String(this.seq).padStart(6, '0')}`;
  }

  reset(): void {
    this.files.clear();
    this.jobs.clear();
    this.events.clear();
    this.requests = [];
    this.faults = [];
    this.cancels.clear();
    this.newFileStatus = 'processed';
    this.autoAdvance = [];
    this.fineTunable = new Set(FINE_TUNABLE);
    this.shutDown = new Set(SHUT_DOWN);
  }

  /** The 400 the service gives for an unknown field, a model it cannot fine-tune, or one shut down. */
  private refuseCreate(b: Record<string, unknown>): Response | undefined {
    const bad = (message: string, param: string, code: string) =>
      json(400, { error: { message, type: 'invalid_request_error', param, code } });
    const unknown = Object.keys(b).find((k) => !CREATE_FIELDS.has(k));
    if (unknown)
      return bad(`Unrecognized request argument supplied: ${unknown}`, unknown, 'unknown_parameter');
    const model = String(b.model);
    if (this.shutDown.has(model))
      return bad(`The model ${model} has been deprecated.`, 'model', 'model_not_found');
    if (!this.fineTunable.has(model) && !model.startsWith('ft:')) {
      return bad(
        `Model ${model} is not available for fine-tuning or does not exist.`,
        'model',
        'model_not_available',
      );
    }
    return undefined;
  }

  // ConformanceBackend
  setState(remoteId: string, state: ScriptedState | { raw: string }): void {
    const job = this.jobs.get(remoteId);
    if (!job) throw new Error(`fake: no job ${remoteId}`);
    const raw = typeof state === 'string' ? RAW[state] : state.raw;
    job.status = raw;
    if (raw === 'succeeded') {
      job.fine_tuned_model = `ft:${job.model}:polytune-test::${remoteId.slice(-6)}`;
      job.trained_tokens = 1_440;
      job.finished_at = this.tick();
    }
    if (raw === 'failed') {
      job.error = {
        code: 'invalid_training_file',
        message: 'Line 3: missing assistant message.',
        param: 'training_file',
      };
      job.finished_at = this.tick();
    }
    if (raw === 'running')
      this.addEvent(remoteId, 'Step 10/30: training loss=0.52', 'metrics', { step: 10, train_loss: 0.52 });
    this.addEvent(remoteId, `Job ${raw}`, 'message', {}, raw === 'failed' ? 'error' : 'info');
  }
  crashAfterCreate(): void {
    this.faults.push({ kind: 'crash-after', method: 'POST', path: '/fine_tuning/jobs' });
  }
  jobCount(): number {
    return this.jobs.size;
  }
  cancelRequested(remoteId: string): boolean {
    return this.cancels.has(remoteId);
  }

  addEvent(
    jobId: string,
    message: string,
    type = 'message',
    data: Record<string, unknown> = {},
    level = 'info',
  ): void {
    const list = this.events.get(jobId) ?? [];
    list.push({
      object: 'fine_tuning.job.event',
      id: this.nextId('ftevent'),
      created_at: this.tick(),
      level,
      message,
      type,
      data,
    });
    this.events.set(jobId, list);
  }

  private page(all: Record<string, unknown>[], query: Record<string, string>) {
    const limit = Number(query.limit ?? 20);
    const start = query.after ? all.findIndex((x) => x.id === query.after) + 1 : 0;
    const data = all.slice(start, start + limit);
    return {
      object: 'list',
      data,
      has_more: start + limit < all.length,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
    };
  }

  private job(id: string): FakeJob | Response {
    return (
      this.jobs.get(id) ??
      json(404, {
        error: { message: `No such job: ${id}`, type: 'invalid_request_error', code: null, param: null },
      })
    );
  }

  /** The API: `path` is below the API root (`/files`, `/fine_tuning/jobs/…`). */
  async handle(request: Request, path: string): Promise<Response | 'network-error'> {
    const url = new URL(request.url);
    const query = Object.fromEntries(url.searchParams.entries());
    const method = request.method;
    let body: unknown;
    let upload: { name: string; size: number } | undefined;
    const type = request.headers.get('content-type') ?? '';
    if (type.includes('multipart/form-data')) {
      const form = await request.formData();
      const fields: Record<string, unknown> = {};
      for (const [k, v] of form.entries()) {
        if (typeof v === 'string') fields[k] = v;
        else {
          fields[k] = v.name;
          upload = { name: v.name, size: v.size };
        }
      }
      body = fields;
    } else if (method === 'POST') {
      const text = await request.text();
      body = text ? JSON.parse(text) : undefined;
    }
    this.requests.push({ method, path, query, ...(body !== undefined ? { body } : {}) });

    const faultIndex = this.faults.findIndex((f) => f.method === method && f.path === path);
    const fault = faultIndex >= 0 ? this.faults.splice(faultIndex, 1)[0] : undefined;
    if (fault?.kind === 'status') {
      return new Response(fault.body === undefined ? null : JSON.stringify(fault.body), {
        status: fault.status,
        headers: {
          ...(fault.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...fault.headers,
        },
      });
    }
    const response = this.route(method, path, query, body, upload);
    return fault?.kind === 'crash-after' ? 'network-error' : response;
  }

  private route(
    method: string,
    path: string,
    query: Record<string, string>,
    body: unknown,
    upload?: { name: string; size: number },
  ): Response {
    const b = (body ?? {}) as Record<string, unknown>;
    if (method === 'POST' && path === '/files') {
      const file = {
        object: 'file',
        id: this.nextId('file'),
        bytes: upload?.size ?? 0,
        created_at: this.tick(),
        filename: upload?.name ?? 'upload',
        purpose: b.purpose,
        status: this.newFileStatus,
        status_details: null,
      };
      this.files.set(file.id, file);
      return json(200, file);
    }
    if (method === 'GET' && path === '/files') {
      const all = [...this.files.values()]
        .filter((f) => !query.purpose || f.purpose === query.purpose)
        .reverse();
      return json(200, this.page(all, query));
    }
    let m = /^\/files\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) {
      const file = this.files.get(m[1] as string);
      if (!file) return json(404, { error: { message: 'No such file', type: 'invalid_request_error' } });
      const polls = (this.polls.get(file.id as string) ?? 0) + 1;
      this.polls.set(file.id as string, polls);
      if (file.status === 'uploaded' && polls >= this.processingPolls) file.status = 'processed';
      return json(200, file);
    }
    if (method === 'POST' && path === '/fine_tuning/jobs') {
      const refused = this.refuseCreate(b);
      if (refused) return refused;
      const id = this.nextId('ftjob');
      const job: FakeJob = {
        object: 'fine_tuning.job',
        id,
        created_at: this.tick(),
        error: null,
        fine_tuned_model: null,
        finished_at: null,
        hyperparameters: { n_epochs: 'auto', batch_size: 'auto', learning_rate_multiplier: 'auto' },
        model: String(b.model),
        organization_id: 'org-test',
        result_files: [],
        seed: (b.seed as number | undefined) ?? 1234,
        status: 'validating_files',
        trained_tokens: null,
        training_file: String(b.training_file),
        validation_file: (b.validation_file as string | undefined) ?? null,
        metadata: (b.metadata as Record<string, string> | undefined) ?? null,
        method: b.method,
        estimated_finish: null,
      };
      this.jobs.set(id, job);
      this.addEvent(id, `Created fine-tuning job: ${id}`);
      return json(200, job);
    }
    if (method === 'GET' && path === '/fine_tuning/jobs') {
      const filters = Object.entries(query)
        .map(([k, v]) => [/^metadata\[(.+)\]$/.exec(k)?.[1], v] as const)
        .filter((f): f is readonly [string, string] => f[0] !== undefined);
      const all = [...this.jobs.values()]
        .filter((j) => filters.every(([k, v]) => j.metadata?.[k] === v))
        .reverse();
      return json(200, this.page(all, query));
    }
    m = /^\/fine_tuning\/jobs\/([^/]+)(?:\/(cancel|pause|resume|events|checkpoints))?$/.exec(path);
    if (m) {
      const job = this.job(m[1] as string);
      if (job instanceof Response) return job;
      const action = m[2];
      if (method === 'GET' && !action) {
        const next = this.autoAdvance.shift();
        if (next) this.setState(job.id, next);
        return json(200, job);
      }
      if (method === 'POST' && action === 'cancel') {
        this.cancels.add(job.id);
        this.setState(job.id, 'cancelled');
        return json(200, job);
      }
      if (method === 'POST' && action === 'pause') {
        this.setState(job.id, { raw: 'paused' });
        return json(200, job);
      }
      if (method === 'POST' && action === 'resume') {
        this.setState(job.id, 'running');
        return json(200, job);
      }
      if (method === 'GET' && action === 'events') {
        return json(200, this.page([...(this.events.get(job.id) ?? [])].reverse(), query));
      }
      if (method === 'GET' && action === 'checkpoints') {
        const checkpoints = [2, 1].map((n) => ({
          object: 'fine_tuning.job.checkpoint',
          id: `ftckpt-${job.id}-${n}`,
          created_at: job.created_at + n,
          fine_tuned_model_checkpoint: `ft:${job.model}:polytune-test:ckpt-step-${n * 10}`,
          fine_tuning_job_id: job.id,
          step_number: n * 10,
          metrics: { step: n * 10, train_loss: 1 / n, valid_loss: 1.2 / n },
        }));
        return json(200, this.page(checkpoints, query));
      }
    }
    // Azure OpenAI routes inference by deployment: `/deployments/{name}/chat/completions`.
    if (
      method === 'POST' &&
      (path === '/chat/completions' || /^\/deployments\/[^/]+\/chat\/completions$/.test(path))
    ) {
      return json(200, {
        id: this.nextId('chatcmpl'),
        object: 'chat.completion',
        created: this.tick(),
        model: b.model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: this.generationText, refusal: null },
            finish_reason: 'stop',
            logprobs: null,
          },
        ],
        usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
      });
    }
    return json(404, {
      error: { message: `fake: no route ${method} ${path}`, type: 'invalid_request_error' },
    });
  }
}

function json(status: number, value: unknown): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
}

export const FAKE_OPENAI_BASE = 'https://api.openai.com/v1';

/** msw handlers serving the fake under `base`. */
export function fakeOpenAIHandlers(fake: FakeOpenAI, base = FAKE_OPENAI_BASE) {
  const root = new URL(base).pathname.replace(/\/$/, '');
  return [
    http.all(`${base}/*`, async ({ request }) => {
      const path = new URL(request.url).pathname.slice(root.length);
      const response = await fake.handle(request, path);
      return response === 'network-error' ? HttpResponse.error() : response;
    }),
  ];
}

/** The same fake behind a plain node:http server on 127.0.0.1; `url` is the API root (…/v1). */
export async function startFakeOpenAIServer(
  fake: FakeOpenAI,
): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bodyBuffer = Buffer.concat(chunks);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const request = new Request(`http://127.0.0.1${req.url}`, {
      method: req.method,
      headers,
      ...(bodyBuffer.length ? { body: bodyBuffer } : {}),
    });
    const path = new URL(request.url).pathname.replace(/^\/v1/, '');
    const response = await fake.handle(request, path);
    if (response === 'network-error') {
      req.socket.destroy();
      return;
    }
    res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
