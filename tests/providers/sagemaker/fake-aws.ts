import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { HttpResponse, http } from 'msw';

/**
 * A scriptable, in-memory SageMaker + S3 + SageMaker Runtime for msw. It
 * answers the wire protocols the AWS SDK speaks (SageMaker JSON 1.1 `POST /`
 * with `X-Amz-Target`, S3 REST on virtual-hosted buckets, Runtime REST-JSON),
 * records every request for contract checks, and injects faults on demand.
 */
export const REGION = 'us-east-1';
export const BUCKET = 'polytune-test-bucket';
export const ROLE_ARN = 'arn:aws:iam::123456789012:role/PolytuneSageMaker';
const CREDENTIALS = { accessKeyId: 'AKIDFAKEFAKEFAKE', secretAccessKey: 'fake-secret-for-tests' };

/** A fresh folder for the provider's hub-document and price caches (never the working directory). */
export function tempCacheDir(): string {
  return mkdtempSync(join(tmpdir(), 'polytune-sagemaker-cache-'));
}

export function fakeClients() {
  // maxAttempts 1 as the provider builds them: the shared retry policy is the only one.
  const config = { region: REGION, credentials: CREDENTIALS, maxAttempts: 1 };
  return {
    sagemaker: new SageMakerClient(config),
    runtime: new SageMakerRuntimeClient(config),
    s3: new S3Client({ ...config, expectContinueHeader: false }),
  };
}

export interface RecordedCall {
  op: string;
  body: Record<string, unknown>;
}

type Fault =
  | 'throttle'
  | 'crash'
  | 'server-error'
  | 'quota'
  | 'not-found'
  | 'model-not-ready'
  | 'model-error';

interface FakeJob {
  request: Record<string, unknown>;
  status: string;
  secondary: string;
  transitions: { Status: string; StartTime: number; EndTime?: number; StatusMessage?: string }[];
  failureReason?: string;
  metrics?: { MetricName: string; Value: number; Timestamp: number }[];
  billable?: number;
  endTime?: number;
  stopRequested: boolean;
}

export interface S3Object {
  size: number;
  metadata: Record<string, string>;
  body: string;
}

let requestCounter = 0;
/** Every answer carries a request id, as AWS's do (`x-amzn-RequestId`). */
function json(body: unknown, status = 200) {
  return HttpResponse.json(body as Record<string, unknown>, {
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': `fake-req-${++requestCounter}`,
    },
  });
}

/** A DescribeHubContent answer and the document behind its `HubContentDocument` string. */
export interface HubEntry {
  response: Record<string, unknown> & { HubContentName: string; HubContentVersion: string };
  document: Record<string, unknown>;
}

const HUB_FIXTURE = new URL(
  '../../../fixtures/sagemaker/hub/meta-textgeneration-llama-3-8b.json',
  import.meta.url,
);
/** The llama-3-8b hub entry (fixtures/sagemaker/hub, written after a recorded document), optionally under another name. */
export function hubEntry(name?: string): HubEntry {
  const entry = JSON.parse(readFileSync(HUB_FIXTURE, 'utf8')) as HubEntry;
  if (!name) return entry;
  // A test clone: the same document served under an older test's model id, names rewritten.
  const text = JSON.stringify(entry).replaceAll('meta-textgeneration-llama-3-8b', name);
  return JSON.parse(text) as HubEntry;
}
export const LLAMA_3_8B = 'meta-textgeneration-llama-3-8b';

/** What the hub document says CreateTrainingJob must carry for this instance type. */
function expectedTraining(document: Record<string, unknown>, instanceType: string) {
  type Variants = { Variants?: Record<string, { Properties?: Record<string, string> }> };
  const variants = (document.TrainingInstanceTypeVariants as Variants | undefined)?.Variants ?? {};
  const family = /^ml\.([a-z0-9-]+)\./.exec(instanceType)?.[1] ?? '';
  const pick = (key: string) =>
    variants[instanceType]?.Properties?.[key] ?? variants[family]?.Properties?.[key];
  return {
    image: pick('ImageUri') ?? (document.TrainingEcrUri as string),
    gated: document.GatedBucket === true ? pick('GatedModelEnvVarUri') : undefined,
    artifact:
      document.GatedBucket === true
        ? undefined
        : (pick('TrainingArtifactUri') ?? (document.TrainingArtifactUri as string)),
  };
}
function awsError(type: string, message: string, status = 400) {
  return json({ __type: type, message }, status);
}

export function createFakeAws() {
  let clock = 1_790_000_000; // epoch seconds; advances one per event so order is stable
  const tick = () => ++clock;
  const jobs = new Map<string, FakeJob>();
  const models = new Map<string, Record<string, unknown>>();
  const endpointConfigs = new Map<string, Record<string, unknown>>();
  const endpoints = new Map<
    string,
    { config: string; status: string; polls: number; failureReason?: string }
  >();
  const objects = new Map<string, S3Object>();
  const multipart = new Map<
    string,
    { key: string; parts: Map<number, number>; metadata: Record<string, string> }
  >();
  const calls: RecordedCall[] = [];
  const s3Calls: { method: string; key: string; query: string }[] = [];
  const invocations: { endpoint: string; body: unknown; headers: Record<string, string> }[] = [];
  const faults = new Map<string, Fault[]>();
  const hub = new Map<string, HubEntry>([
    [LLAMA_3_8B, hubEntry()],
    ['meta-textgeneration-llama-3-2-3b-instruct', hubEntry('meta-textgeneration-llama-3-2-3b-instruct')],
    ['meta-textgeneration-llama-3-1-8b-instruct', hubEntry('meta-textgeneration-llama-3-1-8b-instruct')],
  ]);
  const fake = {
    /** SageMakerPublicHub: model id → its DescribeHubContent answer. */
    hub,
    jobs,
    models,
    endpointConfigs,
    endpoints,
    objects,
    calls,
    s3Calls,
    invocations,
    /** What InvokeEndpoint answers: the response JSON. */
    invokeResponse: [{ generated_text: 'fine-tuned answer' }] as unknown,
    /** DescribeEndpoint polls before a new endpoint is InService. */
    endpointPollsUntilInService: 2,
    /** Status an endpoint ends in after its polls. */
    endpointFinalStatus: 'InService',
    /** Queue a fault for the next call of `op` (SageMaker op, `InvokeEndpoint`, or `PutObject`). */
    failNext(op: string, fault: Fault, times = 1) {
      faults.set(op, [...(faults.get(op) ?? []), ...Array<Fault>(times).fill(fault)]);
    },
    callsOf(op: string) {
      return calls.filter((c) => c.op === op);
    },
    /** Moves a job the way SageMaker would, adding a SecondaryStatusTransition. */
    setJob(name: string, status: string, secondary: string, extra: Partial<FakeJob> = {}) {
      const job = jobs.get(name);
      if (!job) throw new Error(`fake: no job ${name}`);
      const now = tick();
      const last = job.transitions.at(-1);
      if (last && last.Status !== secondary) last.EndTime = now;
      if (!last || last.Status !== secondary) job.transitions.push({ Status: secondary, StartTime: now });
      Object.assign(job, { status, secondary }, extra);
      if (['Completed', 'Failed', 'Stopped'].includes(status)) job.endTime = now;
    },
  };

  function takeFault(op: string): Fault | undefined {
    const queue = faults.get(op);
    const fault = queue?.shift();
    if (queue && queue.length === 0) faults.delete(op);
    return fault;
  }

  /** The image, weights and EULA a job names must be the ones its hub document gives (else the job could never run). */
  function checkAgainstHub(body: Record<string, unknown>): string | undefined {
    const tag = (body.Tags as { Key: string; Value: string }[] | undefined)?.find(
      (t) => t.Key === 'polytune:base-model',
    );
    const entry = tag ? hub.get(tag.Value.split('@')[0] ?? '') : undefined;
    if (!entry) return undefined;
    const instanceType = (body.ResourceConfig as { InstanceType: string }).InstanceType;
    const want = expectedTraining(entry.document, instanceType);
    const image = (body.AlgorithmSpecification as { TrainingImage?: string }).TrainingImage;
    if (image !== want.image)
      return `Training image ${image} is not the image of ${tag?.Value} for ${instanceType}.`;
    const env = (body.Environment ?? {}) as Record<string, string>;
    if (want.gated && (env.SageMakerGatedModelS3Uri !== want.gated || env.accept_eula !== 'true'))
      return `Gated model ${tag?.Value}: the EULA must be accepted and ${want.gated} named.`;
    const channel = (
      body.InputDataConfig as { ChannelName: string; DataSource: { S3DataSource: { S3Uri: string } } }[]
    ).find((c) => c.ChannelName === 'model');
    if (want.artifact && channel?.DataSource.S3DataSource.S3Uri !== want.artifact)
      return `Model channel ${channel?.DataSource.S3DataSource.S3Uri} is not the artifact of ${tag?.Value}.`;
    return undefined;
  }

  function describeJob(name: string, job: FakeJob) {
    const r = job.request as Record<string, unknown>;
    return {
      TrainingJobName: name,
      TrainingJobArn: `arn:aws:sagemaker:${REGION}:123456789012:training-job/${name}`,
      TrainingJobStatus: job.status,
      SecondaryStatus: job.secondary,
      FailureReason: job.failureReason,
      HyperParameters: r.HyperParameters,
      AlgorithmSpecification: r.AlgorithmSpecification,
      RoleArn: r.RoleArn,
      InputDataConfig: r.InputDataConfig,
      OutputDataConfig: r.OutputDataConfig,
      ResourceConfig: r.ResourceConfig,
      StoppingCondition: r.StoppingCondition,
      Environment: r.Environment,
      EnableNetworkIsolation: r.EnableNetworkIsolation,
      CreationTime: job.transitions[0]?.StartTime,
      TrainingEndTime: job.endTime,
      ModelArtifacts:
        job.status === 'Completed'
          ? {
              S3ModelArtifacts: `${(r.OutputDataConfig as { S3OutputPath: string }).S3OutputPath}${name}/output/model/`,
            }
          : undefined,
      FinalMetricDataList: job.metrics,
      BillableTimeInSeconds: job.billable,
      SecondaryStatusTransitions: job.transitions,
    };
  }

  const sagemakerHandler = http.post(
    `https://api.sagemaker.${REGION}.amazonaws.com/`,
    async ({ request }) => {
      const target = request.headers.get('x-amz-target') ?? '';
      const op = target.replace(/^SageMaker\./, '');
      const body = (await request.json()) as Record<string, unknown>;
      calls.push({ op, body });
      const fault = takeFault(op);
      if (fault === 'throttle') return awsError('ThrottlingException', 'Rate exceeded');
      if (fault === 'server-error')
        return awsError('InternalFailure', 'We encountered an internal error.', 500);
      if (fault === 'quota') {
        return awsError(
          'ResourceLimitExceeded',
          'The account-level service limit for ml.g5.12xlarge is 0 Instances.',
        );
      }
      // A stale read: the resource exists but this answer says it does not.
      if (fault === 'not-found') return awsError('ValidationException', 'Requested resource not found.');
      const respond = (response: Response) => (fault === 'crash' ? HttpResponse.error() : response);
      switch (op) {
        case 'DescribeHubContent': {
          const entry = hub.get(body.HubContentName as string);
          const version = body.HubContentVersion as string | undefined;
          if (
            body.HubName !== 'SageMakerPublicHub' ||
            !entry ||
            (version && version !== entry.response.HubContentVersion)
          )
            return awsError('ResourceNotFound', `Hub content ${String(body.HubContentName)} does not exist.`);
          return respond(json({ ...entry.response, HubContentDocument: JSON.stringify(entry.document) }));
        }
        case 'ListHubContents': {
          const summaries = [...hub.values()].map(({ response: r }) => ({
            HubContentName: r.HubContentName,
            HubContentArn: r.HubContentArn,
            HubContentVersion: r.HubContentVersion,
            HubContentType: r.HubContentType,
            DocumentSchemaVersion: r.DocumentSchemaVersion,
            HubContentDisplayName: r.HubContentDisplayName,
            HubContentSearchKeywords: r.HubContentSearchKeywords,
            HubContentStatus: r.HubContentStatus,
            CreationTime: r.CreationTime,
          }));
          return respond(json({ HubContentSummaries: summaries }));
        }
        case 'ListTags': {
          const arn = body.ResourceArn as string;
          const job = [...jobs.entries()].find(([n]) => arn.endsWith(`/${n}`))?.[1];
          return respond(json({ Tags: (job?.request.Tags as unknown[]) ?? [] }));
        }
        case 'CreateTrainingJob': {
          const name = body.TrainingJobName as string;
          const mismatch = checkAgainstHub(body);
          if (mismatch) return awsError('ValidationException', mismatch);
          if (jobs.has(name))
            return awsError(
              'ResourceInUse',
              `Training job names must be unique within an AWS account and region, and a training job with this name already exists (arn:aws:sagemaker:${REGION}:123456789012:training-job/${name})`,
            );
          const start = tick();
          jobs.set(name, {
            request: body,
            status: 'InProgress',
            secondary: 'Starting',
            transitions: [
              { Status: 'Starting', StartTime: start, StatusMessage: 'Launching requested ML instances' },
            ],
            stopRequested: false,
          });
          return respond(
            json({ TrainingJobArn: `arn:aws:sagemaker:${REGION}:123456789012:training-job/${name}` }),
          );
        }
        case 'DescribeTrainingJob': {
          const name = body.TrainingJobName as string;
          const job = jobs.get(name);
          if (!job) return awsError('ValidationException', `Requested resource not found.`);
          return respond(json(describeJob(name, job)));
        }
        case 'StopTrainingJob': {
          const job = jobs.get(body.TrainingJobName as string);
          if (!job) return awsError('ValidationException', 'Requested resource not found.');
          job.stopRequested = true;
          fake.setJob(body.TrainingJobName as string, 'Stopping', 'Stopping');
          return respond(json({}));
        }
        case 'CreateModel': {
          const name = body.ModelName as string;
          if (models.has(name))
            return awsError(
              'ValidationException',
              `Cannot create already existing model "arn:aws:sagemaker:${REGION}:123456789012:model/${name}".`,
            );
          models.set(name, body);
          return respond(json({ ModelArn: `arn:aws:sagemaker:${REGION}:123456789012:model/${name}` }));
        }
        case 'CreateEndpointConfig': {
          const name = body.EndpointConfigName as string;
          if (endpointConfigs.has(name))
            return awsError(
              'ValidationException',
              `Cannot create already existing endpoint configuration "${name}".`,
            );
          endpointConfigs.set(name, body);
          return respond(
            json({ EndpointConfigArn: `arn:aws:sagemaker:${REGION}:123456789012:endpoint-config/${name}` }),
          );
        }
        case 'CreateEndpoint': {
          const name = body.EndpointName as string;
          if (endpoints.has(name))
            return awsError('ValidationException', `Cannot create already existing endpoint "${name}".`);
          endpoints.set(name, { config: body.EndpointConfigName as string, status: 'Creating', polls: 0 });
          return respond(json({ EndpointArn: `arn:aws:sagemaker:${REGION}:123456789012:endpoint/${name}` }));
        }
        case 'DescribeEndpoint': {
          const name = body.EndpointName as string;
          const endpoint = endpoints.get(name);
          if (!endpoint) return awsError('ValidationException', `Could not find endpoint "${name}".`);
          if (endpoint.status === 'Creating' && ++endpoint.polls > fake.endpointPollsUntilInService) {
            endpoint.status = fake.endpointFinalStatus;
            if (endpoint.status === 'Failed')
              endpoint.failureReason = 'Insufficient capacity for ml.g5.2xlarge';
          }
          return respond(
            json({
              EndpointName: name,
              EndpointArn: `arn:aws:sagemaker:${REGION}:123456789012:endpoint/${name}`,
              EndpointConfigName: endpoint.config,
              EndpointStatus: endpoint.status,
              FailureReason: endpoint.failureReason,
              CreationTime: clock,
              LastModifiedTime: clock,
            }),
          );
        }
        case 'DeleteEndpoint':
        case 'DeleteEndpointConfig':
        case 'DeleteModel': {
          const [store, field, what] =
            op === 'DeleteEndpoint'
              ? [endpoints, 'EndpointName', 'endpoint']
              : op === 'DeleteEndpointConfig'
                ? [endpointConfigs, 'EndpointConfigName', 'endpoint configuration']
                : [models, 'ModelName', 'model'];
          const name = body[field] as string;
          if (!(store as Map<string, unknown>).delete(name))
            return awsError('ValidationException', `Could not find ${what} "${name}".`);
          return respond(json({}));
        }
        default:
          return awsError('UnknownOperationException', `fake does not implement ${op}`);
      }
    },
  );

  const s3Url = new RegExp(`^https://${BUCKET}\\.s3\\.${REGION}\\.amazonaws\\.com/(.+?)(\\?.*)?$`);
  const keyOf = (url: string) => {
    const match = s3Url.exec(url);
    return { key: decodeURIComponent(match?.[1] ?? ''), query: match?.[2] ?? '' };
  };
  const metadataOf = (headers: Headers) => {
    const metadata: Record<string, string> = {};
    headers.forEach((v, k) => {
      if (k.startsWith('x-amz-meta-')) metadata[k.slice('x-amz-meta-'.length)] = v;
    });
    return metadata;
  };
  const s3Handlers = [
    http.head(s3Url, ({ request }) => {
      const { key, query } = keyOf(request.url);
      s3Calls.push({ method: 'HEAD', key, query });
      const object = objects.get(key);
      if (!object) return new HttpResponse(null, { status: 404 });
      const headers: Record<string, string> = { 'content-length': String(object.size), etag: '"etag"' };
      for (const [k, v] of Object.entries(object.metadata)) headers[`x-amz-meta-${k}`] = v;
      return new HttpResponse(null, { status: 200, headers });
    }),
    http.put(s3Url, async ({ request }) => {
      const { key, query } = keyOf(request.url);
      s3Calls.push({ method: 'PUT', key, query });
      if (takeFault('PutObject') === 'server-error') return new HttpResponse(null, { status: 503 });
      const body = await request.text();
      const params = new URLSearchParams(query.slice(1));
      const uploadId = params.get('uploadId');
      if (uploadId) {
        multipart.get(uploadId)?.parts.set(Number(params.get('partNumber')), body.length);
        return new HttpResponse(null, {
          status: 200,
          headers: { etag: `"part-${params.get('partNumber')}"` },
        });
      }
      objects.set(key, { size: body.length, metadata: metadataOf(request.headers), body });
      return new HttpResponse(null, { status: 200, headers: { etag: '"etag"' } });
    }),
    http.post(s3Url, async ({ request }) => {
      const { key, query } = keyOf(request.url);
      s3Calls.push({ method: 'POST', key, query });
      const params = new URLSearchParams(query.slice(1));
      const xml = (inner: string) =>
        new HttpResponse(`<?xml version="1.0" encoding="UTF-8"?>${inner}`, {
          status: 200,
          headers: { 'content-type': 'application/xml' },
        });
      if (params.has('uploads')) {
        const id = `upload-${multipart.size + 1}`;
        multipart.set(id, { key, parts: new Map(), metadata: metadataOf(request.headers) });
        return xml(
          `<InitiateMultipartUploadResult><Bucket>${BUCKET}</Bucket><Key>${key}</Key><UploadId>${id}</UploadId></InitiateMultipartUploadResult>`,
        );
      }
      const id = params.get('uploadId');
      const upload = id ? multipart.get(id) : undefined;
      if (!upload) return new HttpResponse(null, { status: 404 });
      const size = [...upload.parts.values()].reduce((a, b) => a + b, 0);
      objects.set(upload.key, { size, metadata: upload.metadata, body: '' });
      return xml(
        `<CompleteMultipartUploadResult><Bucket>${BUCKET}</Bucket><Key>${key}</Key><ETag>"done"</ETag></CompleteMultipartUploadResult>`,
      );
    }),
  ];

  const runtimeHandler = http.post(
    `https://runtime.sagemaker.${REGION}.amazonaws.com/endpoints/:name/invocations`,
    async ({ request, params }) => {
      const endpoint = String(params.name);
      invocations.push({
        endpoint,
        body: await request.json(),
        headers: Object.fromEntries(request.headers.entries()),
      });
      const fault = takeFault('InvokeEndpoint');
      const errorHeaders = { 'content-type': 'application/json', 'x-amzn-errortype': '' };
      if (fault === 'model-not-ready') {
        return HttpResponse.json(
          { message: 'Model is not ready' },
          { status: 429, headers: { ...errorHeaders, 'x-amzn-errortype': 'ModelNotReadyException:' } },
        );
      }
      if (fault === 'throttle') {
        return HttpResponse.json(
          { message: 'Rate exceeded' },
          { status: 400, headers: { ...errorHeaders, 'x-amzn-errortype': 'ThrottlingException:' } },
        );
      }
      if (fault === 'model-error') {
        return HttpResponse.json(
          {
            message: 'Received client error (400) from primary with message "CUDA out of memory"',
            OriginalStatusCode: 400,
            OriginalMessage: 'CUDA out of memory',
            LogStreamArn: `arn:aws:logs:${REGION}:123456789012:log-group:/aws/sagemaker/Endpoints/${endpoint}`,
          },
          { status: 424, headers: { ...errorHeaders, 'x-amzn-errortype': 'ModelError:' } },
        );
      }
      if (!endpoints.has(endpoint)) {
        return HttpResponse.json(
          { message: `Endpoint ${endpoint} of account 123456789012 not found.` },
          { status: 400, headers: { ...errorHeaders, 'x-amzn-errortype': 'ValidationError:' } },
        );
      }
      return HttpResponse.json(fake.invokeResponse as Record<string, unknown>);
    },
  );

  return Object.assign(fake, { handlers: [sagemakerHandler, ...s3Handlers, runtimeHandler] });
}

export type FakeAws = ReturnType<typeof createFakeAws>;
