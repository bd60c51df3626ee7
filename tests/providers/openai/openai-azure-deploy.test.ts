import { rm } from 'node:fs/promises';
import { HttpResponse, http } from 'msw';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../../../providers/openai/openai-provider.js';
import type { PreparedData } from '../../../src/dataset/prepared-manifest.js';
import type { JobSpec } from '../../../src/jobs/job-spec.js';
import type { JobRef } from '../../../src/provider.js';
import { azureShapeErrors } from '../../helpers/azure-mapper-contract.js';
import { writePreparedFixture } from '../../helpers/prepared-fixture.js';
import { useTestServer } from '../../helpers/test-server.js';
import { FakeOpenAI, fakeOpenAIHandlers } from './fake-openai.js';

/**
 * `polytune deploy` on Azure OpenAI against the management API, with the
 * official SDK (@azure/arm-cognitiveservices, ARM api-version 2025-09-01).
 * The fake control plane keeps deployments in memory; a new one reads
 * `Creating` once, then `Succeeded`.
 */
const ENDPOINT = 'https://polytune-test.openai.azure.com/';
const ACCOUNT_PATH =
  'https://management.azure.com/subscriptions/sub-123/resourceGroups/rg-test/providers/Microsoft.CognitiveServices/accounts/polytune-test';
const fake = new FakeOpenAI();
const deployments = new Map<string, { body: Record<string, unknown>; reads: number }>();
const arm: { method: string; url: string; auth: string | null; body?: unknown }[] = [];

function resource(name: string, state: string, body: Record<string, unknown>) {
  return {
    id: `/subscriptions/sub-123/resourceGroups/rg-test/providers/Microsoft.CognitiveServices/accounts/polytune-test/deployments/${name}`,
    name,
    type: 'Microsoft.CognitiveServices/accounts/deployments',
    ...body,
    properties: { ...(body.properties as object), provisioningState: state },
  };
}

const notFound = () =>
  HttpResponse.json(
    { error: { code: 'DeploymentNotFound', message: 'Deployment not found.' } },
    { status: 404, headers: { 'x-ms-request-id': 'arm-req-404' } },
  );

const server = useTestServer(
  ...fakeOpenAIHandlers(fake, `${ENDPOINT}openai`),
  http.all(`${ACCOUNT_PATH}/deployments/:name`, async ({ request, params }) => {
    const name = String(params.name);
    const body = request.method === 'PUT' ? await request.json() : undefined;
    arm.push({ method: request.method, url: request.url, auth: request.headers.get('authorization'), body });
    const existing = deployments.get(name);
    if (request.method === 'PUT') {
      deployments.set(name, { body: body as Record<string, unknown>, reads: 0 });
      return HttpResponse.json(resource(name, 'Creating', body as Record<string, unknown>), { status: 201 });
    }
    if (!existing) return notFound();
    if (request.method === 'DELETE') {
      deployments.delete(name);
      return new HttpResponse(null, { status: 200 });
    }
    existing.reads += 1;
    return HttpResponse.json(resource(name, existing.reads > 1 ? 'Succeeded' : 'Creating', existing.body));
  }),
);

const spec: JobSpec = {
  provider: 'openai',
  baseModel: 'gpt-4o-mini-2024-07-18',
  method: 'sft',
  hyperparameters: {},
};
const provider = (azure: Record<string, unknown> = {}) =>
  createOpenAIProvider(
    {
      apiKey: 'azure-test-key-123456',
      azure: { endpoint: ENDPOINT, subscriptionId: 'sub-123', resourceGroup: 'rg-test', ...azure },
    },
    {
      sleep: async () => {},
      azurePollIntervalMs: 1,
      azureCredential: {
        getToken: async () => ({ token: 'arm-test-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
      },
    },
  );

let data: PreparedData;
let ref: JobRef;
beforeEach(async () => {
  fake.reset();
  deployments.clear();
  arm.length = 0;
  data = await writePreparedFixture();
  ref = await provider().submit(spec, data, { key: 'a1b2c3d4e5f6a7b8' });
  fake.setState(ref.remoteId, 'succeeded');
});
afterEach(() => rm(data.dir, { recursive: true, force: true }));

describe('Azure OpenAI deployments through the management API', () => {
  it('creates a Developer-tier deployment once, then only waits; the Model calls the deployment', async () => {
    const p = provider();
    const started = await p.deploy?.(ref, { wait: false });
    expect(started).toMatchObject({
      endpointName: 'polytune-a1b2c3d4e5f6',
      status: 'Creating',
      instanceType: 'developertier',
      instanceCount: 50,
      model: expect.stringMatching(/^ft:gpt-4o-mini-2024-07-18:/),
    });
    const done = await p.deploy?.(ref, { wait: true });
    expect(done?.status).toBe('Succeeded');
    const puts = arm.filter((r) => r.method === 'PUT');
    expect(puts).toHaveLength(1);
    expect(puts[0]?.url).toMatch(/deployments\/polytune-a1b2c3d4e5f6\?api-version=2025-09-01$/);
    expect(puts[0]?.auth).toBe('Bearer arm-test-token');
    expect(puts[0]?.body).toEqual({
      sku: { name: 'developertier', capacity: 50 },
      properties: { model: { format: 'OpenAI', name: done?.model, version: '1' } },
    });
    expect(azureShapeErrors('Deployment', puts[0]?.body)).toEqual([]);

    const model = await p.model(ref);
    expect((await model.generate({ input: 'hi' })).text).toBe('The answer is 4.');
    expect(server.captured.at(-1)?.url).toMatch(
      /\/openai\/deployments\/polytune-a1b2c3d4e5f6\/chat\/completions/,
    );
  });

  it('deploys Standard on request', async () => {
    await provider({ deploymentTier: 'standard', deploymentCapacity: 10 }).deploy?.(ref, { wait: true });
    const put = arm.find((r) => r.method === 'PUT')?.body;
    expect(put).toMatchObject({ sku: { name: 'Standard', capacity: 10 } });
    expect(azureShapeErrors('Deployment', put)).toEqual([]);
  });

  it('undeploy deletes the deployment, and says so only once', async () => {
    const p = provider();
    await p.deploy?.(ref, { wait: true });
    expect(await p.undeploy?.(ref)).toEqual(['Azure OpenAI deployment polytune-a1b2c3d4e5f6']);
    expect(arm.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    expect(await p.undeploy?.(ref)).toEqual([]);
  });

  it('the shape check refuses a misspelt or read-only member (negative control)', () => {
    expect(azureShapeErrors('Deployment', { sku: { nam: 'developertier' } }).join('\n')).toMatch(
      /nam: not a member.*\n.*name: required/,
    );
    expect(azureShapeErrors('Deployment', { etag: 'x' })).toEqual([
      'Deployment.etag: read-only in Deployment',
    ]);
  });

  it('a 500 from the Azure data plane carries provider azure and its request id', async () => {
    fake.faults.push({
      kind: 'status',
      method: 'GET',
      path: `/fine_tuning/jobs/${ref.remoteId}`,
      status: 500,
      headers: { 'x-request-id': 'azure-req-500' },
    });
    const error = await provider()
      .get(ref)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'PROVIDER',
      http: { provider: 'azure', status: 500, requestId: 'azure-req-500', method: 'GET' },
    });
    await expect(provider().listTunableModels?.()).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });

  it('refuses a job without a fine-tuned model, and names missing settings', async () => {
    fake.setState(ref.remoteId, 'running');
    await expect(provider().deploy?.(ref, {})).rejects.toMatchObject({ code: 'USAGE' });
    fake.setState(ref.remoteId, 'succeeded');
    const noGroup = createOpenAIProvider(
      { apiKey: 'k-azure-000000', azure: { endpoint: ENDPOINT, subscriptionId: 'sub-123' } },
      { azureCredential: { getToken: async () => null } },
    );
    const saved = process.env.AZURE_RESOURCE_GROUP;
    delete process.env.AZURE_RESOURCE_GROUP;
    await expect(noGroup.deploy?.(ref, {})).rejects.toMatchObject({
      code: 'USAGE',
      message: /resourceGroup/,
    });
    if (saved !== undefined) process.env.AZURE_RESOURCE_GROUP = saved;
  });
});
