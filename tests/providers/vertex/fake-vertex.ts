import { createRequire } from 'node:module';
import { CRC32C } from '@google-cloud/storage';
import { googleAuthLibrary } from 'google-gax';
import { HttpResponse, http } from 'msw';
import type { ConformanceBackend, ScriptedState } from '../../conformance/provider-conformance.js';

/**
 * A scriptable fake of the Vertex AI tuning + prediction REST API and of the
 * Cloud Storage JSON API, as msw handlers. It answers the way the services do
 * for what polytune calls: enums as numbers (google-gax asks for
 * `enum-encoding=int`), int64 and timestamps as strings, object metadata with
 * a correct crc32c (the storage SDK deletes an upload whose checksum differs).
 */

export const PROJECT = 'test-project';
export const LOCATION = 'us-central1';
export const BUCKET = 'polytune-test-bucket';
export const API = `https://${LOCATION}-aiplatform.googleapis.com/v1`;
// Every Vertex host: regional (`<region>-aiplatform.googleapis.com`) and multi-region (`aiplatform.us.rep.googleapis.com`).
const ANY_API = 'https://:host/v1';
export const PARENT = `projects/${PROJECT}/locations/${LOCATION}`;
// Any Cloud Storage host: the default one, or a `storageEndpoint` (private, regional, emulator).
const GCS = 'https://:gcsHost';

// The client's own enum numbers (the ESM default export does not carry `protos`).
const { protos } = createRequire(import.meta.url)('@google-cloud/aiplatform') as {
  protos: {
    google: {
      cloud: {
        aiplatform: {
          v1: {
            JobState: Record<string, number>;
            SupervisedHyperParameters: { AdapterSize: Record<string | number, string | number> };
          };
        };
      };
    };
  };
};
const JobState = protos.google.cloud.aiplatform.v1.JobState;

/** An auth client with a preset token: no token endpoint, no metadata server, no ADC lookup. */
export function testAuthClient() {
  const client = new googleAuthLibrary.OAuth2Client();
  client.setCredentials({ access_token: 'test-access-token', expiry_date: Date.now() + 3_600_000 });
  return client;
}

export interface FakeJob {
  name: string;
  state: string;
  body: Record<string, unknown>;
  createTime: string;
  startTime?: string;
  endTime?: string;
  updateTime: string;
  error?: { code: number; message: string };
  billableTokens?: string;
  cancelRequested: boolean;
}

export interface FakeObject {
  name: string;
  data: Buffer;
  generation: number;
}

type Fault = { status: number; applied: boolean } | 'reset';

const RAW_FOR: Record<ScriptedState, string> = {
  queued: 'JOB_STATE_QUEUED',
  validating: 'JOB_STATE_PENDING',
  running: 'JOB_STATE_RUNNING',
  succeeded: 'JOB_STATE_SUCCEEDED',
  failed: 'JOB_STATE_FAILED',
  cancelled: 'JOB_STATE_CANCELLED',
};

/**
 * What the service tunes, as the fake refuses it: deliberately written here
 * and not imported from the provider's table, so a wrong table cannot make its
 * own test pass. Sources as in providers/vertex/vertex-tunable-models.ts.
 */
const SERVICE_MODELS: Record<string, { adapters: string[]; regions?: string[] }> = {
  'gemini-3.5-flash': {
    adapters: ['ONE', 'TWO', 'FOUR', 'EIGHT', 'SIXTEEN'],
    regions: ['us-central1', 'europe-west4'],
  },
  'gemini-3.5-flash-lite': {
    adapters: ['ONE', 'TWO', 'FOUR', 'EIGHT', 'SIXTEEN'],
    regions: ['us-central1', 'europe-west4'],
  },
  'gemini-3.1-flash-lite': {
    adapters: ['ONE', 'TWO', 'FOUR', 'EIGHT', 'SIXTEEN'],
    regions: ['us-central1', 'europe-west4'],
  },
  'gemini-2.5-pro': { adapters: ['ONE', 'TWO', 'FOUR', 'EIGHT'] },
  'gemini-2.5-flash': { adapters: ['ONE', 'TWO', 'FOUR', 'EIGHT', 'SIXTEEN'] },
  'gemini-2.5-flash-lite': { adapters: ['ONE', 'TWO', 'FOUR', 'EIGHT', 'SIXTEEN'] },
};

/** Google's error body: `{error: {code, message, status}}`. */
export function googleError(code: number, status: string, message: string, headers?: Record<string, string>) {
  return HttpResponse.json({ error: { code, message, status } }, { status: code, headers });
}

const AdapterSize = protos.google.cloud.aiplatform.v1.SupervisedHyperParameters.AdapterSize;

/** The host that serves a location: multi-region `us`/`eu`, else the regional one (locations page, see the provider). */
function vertexHostFor(location: string): string {
  return location === 'us' || location === 'eu'
    ? `aiplatform.${location}.rep.googleapis.com`
    : `${location}-aiplatform.googleapis.com`;
}

/** Why the service would refuse this TuningJob in this location, or undefined. */
function refusal(body: Record<string, unknown>, location: string): string | undefined {
  const id = String(body.baseModel ?? '').replace(/-0\d\d$/, '');
  const model = SERVICE_MODELS[id];
  if (!model) return `Base model ${String(body.baseModel)} is not supported for tuning.`;
  if (model.regions && !model.regions.includes(location))
    return `Tuning ${id} is not supported in location ${location}.`;
  const spec = (body.supervisedTuningSpec ?? body.preferenceOptimizationSpec) as
    | { hyperParameters?: { adapterSize?: unknown } }
    | undefined;
  const size = spec?.hyperParameters?.adapterSize;
  if (size === undefined) return undefined;
  const name = typeof size === 'number' ? AdapterSize[size] : String(size);
  if (!model.adapters.includes(String(name).replace('ADAPTER_SIZE_', '')))
    return `Adapter size ${String(name)} is not supported for ${id}.`;
  return undefined;
}

function crc32c(data: Buffer): string {
  const crc = new CRC32C();
  crc.update(data);
  return crc.toString();
}

/** Parses a `multipart/related` upload into its JSON metadata and bytes. */
function parseMultipart(
  body: Buffer,
  contentType: string,
): { metadata: Record<string, unknown>; data: Buffer } {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const text = body.toString('latin1');
  const parts = text
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const split = part.indexOf('\r\n\r\n');
      return part.slice(split + 4, part.length - 2);
    });
  return { metadata: JSON.parse(parts[0] ?? '{}'), data: Buffer.from(parts[1] ?? '', 'latin1') };
}

export function createFakeVertex() {
  let clock = Date.parse('2026-11-01T10:00:00Z');
  const tick = () => {
    clock += 60_000;
    return new Date(clock).toISOString();
  };
  const jobs = new Map<string, FakeJob>();
  const objects = new Map<string, FakeObject>();
  const createFaults: Fault[] = [];
  const readFaults: { status: number; requestId: string; inBody: boolean }[] = [];
  const generateFaults: number[] = [];
  const uploads: string[] = [];
  const sessions = new Map<string, { name: string; metadata: Record<string, unknown> }>();
  let nextId = 1000;
  let listPageSize = 100;
  let ignoreFilter = false;
  const generated: { model: string; body: unknown }[] = [];
  let generationText = 'fake tuned answer';

  /** As the service answers: enums as numbers when the request asked `enum-encoding=int`, else names. */
  function encode(job: FakeJob, numericEnums = true): Record<string, unknown> {
    // Numeric raw states stand for states newer than the client's protos.
    const known = /^\d+$/.test(job.state) ? Number(job.state) : JobState[job.state];
    const out: Record<string, unknown> = {
      ...job.body,
      name: job.name,
      state: numericEnums ? (known ?? job.state) : job.state,
      createTime: job.createTime,
      updateTime: job.updateTime,
    };
    if (job.startTime) out.startTime = job.startTime;
    if (job.endTime) out.endTime = job.endTime;
    if (job.error) out.error = job.error;
    if (job.billableTokens) {
      out.tuningDataStats = {
        supervisedTuningDataStats: {
          tuningDatasetExampleCount: '12',
          totalBillableTokenCount: job.billableTokens,
          tuningStepCount: '36',
          totalTruncatedExampleCount: '0',
        },
      };
    }
    if (job.state === 'JOB_STATE_SUCCEEDED' || job.state === 'JOB_STATE_PARTIALLY_SUCCEEDED') {
      const id = job.name.split('/').pop();
      const parent = job.name.replace(/\/tuningJobs\/.*$/, '');
      out.tunedModel = { model: `${parent}/models/m${id}@1`, endpoint: `${parent}/endpoints/e${id}` };
    }
    return out;
  }

  function setRaw(job: FakeJob, raw: string): void {
    const at = tick();
    job.state = raw;
    job.updateTime = at;
    if (raw === 'JOB_STATE_RUNNING' && !job.startTime) {
      job.startTime = at;
      job.billableTokens ??= '48000';
    }
    const ended = [
      'JOB_STATE_SUCCEEDED',
      'JOB_STATE_FAILED',
      'JOB_STATE_CANCELLED',
      'JOB_STATE_EXPIRED',
    ].includes(raw);
    if (!ended) {
      job.endTime = undefined;
      job.error = undefined;
    }
    if (ended) {
      job.endTime = at;
      if (raw === 'JOB_STATE_FAILED')
        job.error = { code: 3, message: 'Training data has invalid rows (line 7).' };
      if (raw === 'JOB_STATE_CANCELLED') job.error = { code: 1, message: 'CANCELED' };
    }
  }

  /** A failed read with Google's request id, in the `x-goog-request-id` header or as a RequestInfo detail. */
  function readFault() {
    const fault = readFaults.shift();
    if (!fault) return undefined;
    const { status, requestId, inBody } = fault;
    if (!inBody) return new HttpResponse(null, { status, headers: { 'x-goog-request-id': requestId } });
    const details = [{ '@type': 'type.googleapis.com/google.rpc.RequestInfo', requestId }];
    const name = status === 429 ? 'RESOURCE_EXHAUSTED' : status === 500 ? 'INTERNAL' : 'UNAVAILABLE';
    return HttpResponse.json(
      { error: { code: status, message: `fake ${name}`, status: name, details } },
      { status },
    );
  }

  const handlers = [
    http.post(`${ANY_API}/projects/:p/locations/:l/tuningJobs`, async ({ request, params }) => {
      const body = (await request.json()) as Record<string, unknown>;
      const location = String(params.l);
      if (!new URL(request.url).hostname.startsWith(`${location}-`))
        return googleError(400, 'INVALID_ARGUMENT', `Location ${location} does not match the endpoint.`);
      const refused = refusal(body, location);
      if (refused) return googleError(400, 'INVALID_ARGUMENT', refused);
      const numericEnums = request.url.includes('enum-encoding=int');
      const fault = createFaults.shift();
      const applied = fault === undefined || fault === 'reset' || fault.applied;
      let job: FakeJob | undefined;
      if (applied) {
        const at = tick();
        job = {
          name: `projects/${String(params.p)}/locations/${location}/tuningJobs/${nextId++}`,
          state: 'JOB_STATE_PENDING',
          body,
          createTime: at,
          updateTime: at,
          cancelRequested: false,
        };
        jobs.set(job.name, job);
      }
      if (fault === 'reset') return HttpResponse.error();
      if (fault) {
        return fault.status === 429
          ? HttpResponse.json(
              { error: { code: 429, message: 'Quota exceeded', status: 'RESOURCE_EXHAUSTED' } },
              { status: 429 },
            )
          : new HttpResponse(null, { status: fault.status });
      }
      return HttpResponse.json(encode(job as FakeJob, numericEnums));
    }),
    http.get(`${ANY_API}/projects/:p/locations/:l/tuningJobs`, ({ request }) => {
      const fault = readFault();
      if (fault) return fault;
      const url = new URL(request.url);
      const filter = url.searchParams.get('filter') ?? '';
      const match = /^labels\.([a-z0-9_-]+)="([^"]*)"$/.exec(filter);
      let list = [...jobs.values()];
      if (match && !ignoreFilter) {
        list = list.filter(
          (job) => (job.body.labels as Record<string, string> | undefined)?.[match[1] as string] === match[2],
        );
      }
      const start = Number(url.searchParams.get('pageToken') || 0);
      const page = list.slice(start, start + listPageSize);
      const next = start + listPageSize < list.length ? String(start + listPageSize) : undefined;
      return HttpResponse.json({
        tuningJobs: page.map((job) => encode(job)),
        ...(next ? { nextPageToken: next } : {}),
      });
    }),
    http.get(`${ANY_API}/projects/:p/locations/:l/tuningJobs/:id`, ({ params }) => {
      const fault = readFault();
      if (fault) return fault;
      const job = jobs.get(`projects/${params.p}/locations/${params.l}/tuningJobs/${params.id}`);
      if (!job) {
        return HttpResponse.json(
          { error: { code: 404, message: 'not found', status: 'NOT_FOUND' } },
          { status: 404 },
        );
      }
      return HttpResponse.json(encode(job));
    }),
    http.post(`${ANY_API}/projects/:p/locations/:l/tuningJobs/:id\\:cancel`, ({ params }) => {
      const job = jobs.get(`projects/${params.p}/locations/${params.l}/tuningJobs/${params.id}`);
      if (!job)
        return HttpResponse.json(
          { error: { code: 404, message: 'nf', status: 'NOT_FOUND' } },
          { status: 404 },
        );
      if (job.endTime) {
        return HttpResponse.json(
          { error: { code: 400, message: 'job already ended', status: 'FAILED_PRECONDITION' } },
          { status: 400 },
        );
      }
      job.cancelRequested = true;
      setRaw(job, 'JOB_STATE_CANCELLING');
      return HttpResponse.json({});
    }),
    http.post(
      `${ANY_API}/projects/:p/locations/:l/endpoints/:e\\:generateContent`,
      async ({ request, params }) => {
        const host = new URL(request.url).hostname;
        const expected = vertexHostFor(String(params.l));
        if (host !== expected)
          return googleError(
            400,
            'INVALID_ARGUMENT',
            `Location ${String(params.l)} is served at ${expected}, not ${host}.`,
          );
        const status = generateFaults.shift();
        if (status !== undefined) return new HttpResponse(null, { status });
        const body = await request.json();
        generated.push({ model: new URL(request.url).pathname, body });
        return HttpResponse.json({
          candidates: [{ content: { role: 'model', parts: [{ text: generationText }] }, finishReason: 1 }],
          usageMetadata: { promptTokenCount: 7, candidatesTokenCount: 3, totalTokenCount: 10 },
        });
      },
    ),
    http.post(
      `${ANY_API}/projects/:p/locations/:l/publishers/:pub/models/:m\\:generateContent`,
      async ({ request }) => {
        const body = await request.json();
        generated.push({ model: new URL(request.url).pathname, body });
        return HttpResponse.json({
          candidates: [{ content: { role: 'model', parts: [{ text: `base: ${generationText}` }] } }],
          usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2 },
        });
      },
    ),
    // Cloud Storage JSON API.
    http.get(`${GCS}/storage/v1/b/:bucket/o/:object`, ({ params }) => {
      const object = objects.get(decodeURIComponent(String(params.object)));
      if (!object)
        return HttpResponse.json({ error: { code: 404, message: 'No such object' } }, { status: 404 });
      return HttpResponse.json(objectResource(object));
    }),
    http.post(`${GCS}/upload/storage/v1/b/:bucket/o`, async ({ request }) => {
      const url = new URL(request.url);
      const type = url.searchParams.get('uploadType');
      const ifGenerationMatch = url.searchParams.get('ifGenerationMatch');
      if (type === 'multipart') {
        const { metadata, data } = parseMultipart(
          Buffer.from(await request.arrayBuffer()),
          request.headers.get('content-type') ?? '',
        );
        const name = String(metadata.name ?? url.searchParams.get('name'));
        if (ifGenerationMatch === '0' && objects.has(name)) {
          return HttpResponse.json({ error: { code: 412, message: 'Precondition Failed' } }, { status: 412 });
        }
        return HttpResponse.json(objectResource(store(name, data)));
      }
      if (type === 'resumable') {
        const metadata = (await request.json().catch(() => ({}))) as Record<string, unknown>;
        const name = String(metadata.name ?? url.searchParams.get('name'));
        const id = `s${sessions.size + 1}`;
        sessions.set(id, { name, metadata });
        return new HttpResponse(null, {
          status: 200,
          headers: {
            Location: `${url.origin}/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&upload_id=${id}`,
          },
        });
      }
      return HttpResponse.json({ error: { code: 400, message: `uploadType ${type}` } }, { status: 400 });
    }),
    http.put(`${GCS}/upload/storage/v1/b/:bucket/o`, async ({ request }) => {
      const id = new URL(request.url).searchParams.get('upload_id') ?? '';
      const session = sessions.get(id);
      if (!session)
        return HttpResponse.json({ error: { code: 404, message: 'no session' } }, { status: 404 });
      const data = Buffer.from(await request.arrayBuffer());
      return HttpResponse.json(objectResource(store(session.name, data)));
    }),
  ];

  function store(name: string, data: Buffer): FakeObject {
    uploads.push(name);
    const object = { name, data, generation: (objects.get(name)?.generation ?? 0) + 1 };
    objects.set(name, object);
    return object;
  }

  function objectResource(object: FakeObject) {
    return {
      kind: 'storage#object',
      bucket: BUCKET,
      name: object.name,
      size: String(object.data.length),
      generation: String(object.generation),
      crc32c: crc32c(object.data),
      contentType: 'application/jsonl',
    };
  }

  const fake = {
    handlers,
    jobs,
    objects,
    uploads,
    generated,
    get generationText() {
      return generationText;
    },
    set generationText(text: string) {
      generationText = text;
    },
    /** The next create: answer with an HTTP error, after (`applied`) or without creating the job. */
    failNextCreate(status: number, applied: boolean) {
      createFaults.push({ status, applied });
    },
    crashAfterCreate() {
      createFaults.push('reset');
    },
    /** The next reads (get/list) answer these statuses, in order. */
    failReads(...statuses: number[]) {
      for (const status of statuses)
        readFaults.push({ status, requestId: `fake-read-${readFaults.length + 1}`, inBody: false });
    },
    /** The next read fails with this status and Google's error body carrying a RequestInfo `requestId`. */
    failReadWithRequestInfo(status: number, requestId: string) {
      readFaults.push({ status, requestId, inBody: true });
    },
    failGenerates(...statuses: number[]) {
      generateFaults.push(...statuses);
    },
    setListPageSize(size: number) {
      listPageSize = size;
    },
    /** Simulates a service that ignores the label filter (the provider must still check labels). */
    setIgnoreFilter(value: boolean) {
      ignoreFilter = value;
    },
    setRaw(remoteId: string, raw: string) {
      const job = jobs.get(remoteId);
      if (!job) throw new Error(`no job ${remoteId}`);
      setRaw(job, raw);
    },
    backend: undefined as unknown as ConformanceBackend,
  };
  fake.backend = {
    get generationText() {
      return generationText;
    },
    set generationText(text: string) {
      generationText = text;
    },
    setState(remoteId, state) {
      fake.setRaw(remoteId, typeof state === 'string' ? RAW_FOR[state] : state.raw);
    },
    crashAfterCreate() {
      fake.crashAfterCreate();
    },
    jobCount() {
      return jobs.size;
    },
    cancelRequested(remoteId) {
      return jobs.get(remoteId)?.cancelRequested ?? false;
    },
  };
  return fake;
}

export type FakeVertex = ReturnType<typeof createFakeVertex>;
