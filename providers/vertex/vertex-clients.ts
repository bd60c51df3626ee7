import aiplatform from '@google-cloud/aiplatform';
import { Storage, type StorageOptions } from '@google-cloud/storage';
import type { ClientOptions } from 'google-gax';
import { forStorage } from './vertex-auth.js';
import type { ResolvedVertexOptions } from './vertex-options.js';

type TuningClient = InstanceType<typeof aiplatform.v1.GenAiTuningServiceClient>;
type PredictionClient = InstanceType<typeof aiplatform.v1.PredictionServiceClient>;
type JobClient = InstanceType<typeof aiplatform.v1.JobServiceClient>;
type EndpointClient = InstanceType<typeof aiplatform.v1.EndpointServiceClient>;

/** Host of the Vertex AI API for a location: `us`/`eu` are the multi-region endpoints. */
export function vertexHost(location: string): string {
  // Multi-region hostnames: https://docs.cloud.google.com/gemini-enterprise-agent-platform/resources/locations.md.txt (read 2026-12-06).
  if (location === 'us' || location === 'eu') return `aiplatform.${location}.rep.googleapis.com`;
  return location === 'global' ? 'aiplatform.googleapis.com' : `${location}-aiplatform.googleapis.com`;
}

/**
 * The SDK clients of one provider, built on first use: constructing one
 * already resolves credentials (and without ADC probes the GCE metadata
 * server), which a dry run must not do.
 */
export function createVertexClients(opts: ResolvedVertexOptions) {
  const credentials = {
    projectId: opts.project,
    ...(opts.authClient ? { authClient: opts.authClient } : {}),
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(opts.keyFilename ? { keyFilename: opts.keyFilename } : {}),
  };
  /** Options for a client of `location`; `apiEndpoint`/`port`/`protocol` settings win (emulators, private endpoints). */
  const clientOptions = (location: string) =>
    ({
      fallback: true,
      apiEndpoint: opts.apiEndpoint ?? vertexHost(location),
      ...(opts.port ? { port: opts.port } : {}),
      ...(opts.protocol ? { protocol: opts.protocol } : {}),
      ...credentials,
    }) as ClientOptions;

  let tuning: TuningClient | undefined;
  let jobs: JobClient | undefined;
  let endpoints: EndpointClient | undefined;
  const predictions = new Map<string, PredictionClient>();
  let storage: Storage | undefined;

  return {
    /** The base URL of REST calls the SDK's protos cannot express (see vertex-jobs.ts). */
    restBase(): string {
      const options = clientOptions(opts.location) as {
        apiEndpoint: string;
        port?: number;
        protocol?: string;
      };
      const port = options.port ? `:${options.port}` : '';
      return `${options.protocol ?? 'https'}://${options.apiEndpoint}${port}/v1`;
    },
    tuning(): TuningClient {
      tuning ??= new aiplatform.v1.GenAiTuningServiceClient(clientOptions(opts.location));
      return tuning;
    },
    /** A prediction client for the endpoint that serves `location` (a region, or `us`/`eu`). */
    prediction(location: string = opts.location): PredictionClient {
      let client = predictions.get(location);
      if (!client) {
        client = new aiplatform.v1.PredictionServiceClient(clientOptions(location));
        predictions.set(location, client);
      }
      return client;
    },
    storage(): Storage {
      storage ??= new Storage(storageOptions(opts));
      return storage;
    },
    /** Batch prediction jobs (`eval --batch`). */
    jobs(): JobClient {
      jobs ??= new aiplatform.v1.JobServiceClient(clientOptions(opts.location));
      return jobs;
    },
    /** Endpoints, to learn which model a tuned endpoint serves (batch prediction runs models). */
    endpoints(): EndpointClient {
      endpoints ??= new aiplatform.v1.EndpointServiceClient(clientOptions(opts.location));
      return endpoints;
    },
  };
}

export type VertexClients = ReturnType<typeof createVertexClients>;

function storageOptions(opts: ResolvedVertexOptions): StorageOptions {
  const options: StorageOptions = {
    projectId: opts.project,
    // Our retry policy wraps each call; the SDK's own would multiply it.
    retryOptions: { autoRetry: false },
  };
  if (opts.authClient)
    options.authClient = forStorage(opts.authClient as object) as StorageOptions['authClient'];
  if (opts.credentials) options.credentials = opts.credentials;
  if (opts.keyFilename) options.keyFilename = opts.keyFilename;
  if (opts.storageEndpoint) {
    options.apiEndpoint = opts.storageEndpoint;
    // @google-cloud/storage 7 sends no credentials to a custom endpoint unless asked
    // (`useAuthWithCustomEndpoint`, storage.d.ts); a private or regional endpoint needs them.
    options.useAuthWithCustomEndpoint = !opts.storageEmulator;
  }
  return options;
}
