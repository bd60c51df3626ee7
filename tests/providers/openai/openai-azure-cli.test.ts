import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpResponse, http } from 'msw';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../../../providers/openai/openai-provider.js';
import { JobLedger } from '../../../src/jobs/job-ledger.js';
import { submitJob } from '../../../src/jobs/submit-job.js';
import { runCli } from '../../helpers/capture-output.js';
import { writePreparedFixture } from '../../helpers/prepared-fixture.js';
import { useTestServer } from '../../helpers/test-server.js';
import { FakeOpenAI, fakeOpenAIHandlers } from './fake-openai.js';

/**
 * `polytune deploy` / `undeploy` on Azure OpenAI as a user runs them: the
 * credential comes from @azure/identity's DefaultAzureCredential through its
 * environment variables (a service principal), whose token request goes to
 * Microsoft Entra ID, answered here; the deployment is recorded in the ledger.
 */
const ENDPOINT = 'https://polytune-test.openai.azure.com/';
const ARM =
  'https://management.azure.com/subscriptions/sub-123/resourceGroups/rg-test/providers/Microsoft.CognitiveServices/accounts/polytune-test/deployments/:name';
const fake = new FakeOpenAI();
const live = new Map<string, Record<string, unknown>>();
const tokens: string[] = [];
let puts = 0;

useTestServer(
  ...fakeOpenAIHandlers(fake, `${ENDPOINT}openai`),
  http.post('https://login.microsoftonline.com/:tenant/oauth2/v2.0/token', async ({ request }) => {
    tokens.push(await request.text());
    return HttpResponse.json({
      token_type: 'Bearer',
      expires_in: 3600,
      ext_expires_in: 3600,
      access_token: 'entra-test-token',
    });
  }),
  http.all(ARM, async ({ request, params }) => {
    const name = String(params.name);
    if (request.headers.get('authorization') !== 'Bearer entra-test-token')
      return new HttpResponse(null, { status: 401 });
    if (request.method === 'PUT') {
      puts += 1;
      const body = (await request.json()) as Record<string, unknown>;
      live.set(name, body);
      return HttpResponse.json({
        name,
        ...body,
        properties: { ...(body.properties as object), provisioningState: 'Succeeded' },
      });
    }
    const body = live.get(name);
    if (!body)
      return HttpResponse.json(
        { error: { code: 'DeploymentNotFound', message: 'not found' } },
        { status: 404 },
      );
    if (request.method === 'DELETE') {
      live.delete(name);
      return new HttpResponse(null, { status: 200 });
    }
    return HttpResponse.json({
      name,
      ...body,
      properties: { ...(body.properties as object), provisioningState: 'Succeeded' },
    });
  }),
);

const ENV = {
  AZURE_TENANT_ID: '00000000-0000-0000-0000-000000000001',
  AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000002',
  AZURE_CLIENT_SECRET: 'test-client-secret-value',
  AZURE_OPENAI_API_KEY: 'azure-test-key-123456',
};
let saved: Record<string, string | undefined> = {};
let work: string;
beforeEach(async () => {
  fake.reset();
  live.clear();
  tokens.length = 0;
  puts = 0;
  saved = Object.fromEntries(Object.keys(ENV).map((k) => [k, process.env[k]]));
  Object.assign(process.env, ENV);
  work = await mkdtemp(join(tmpdir(), 'polytune-azure-cli-'));
});
afterEach(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await rm(work, { recursive: true, force: true });
});

describe('polytune deploy / undeploy on Azure OpenAI', () => {
  it('deploys a finished job, records it in the ledger, and undeploys it', async () => {
    const azure = { endpoint: ENDPOINT, subscriptionId: 'sub-123', resourceGroup: 'rg-test' };
    const config = join(work, 'polytune.config.json');
    await writeFile(config, JSON.stringify({ providers: { openai: { azure } } }));
    const ledgerDir = join(work, '.polytune');
    const data = await writePreparedFixture();
    const provider = createOpenAIProvider({ azure }, { sleep: async () => {} });
    const { ref } = await submitJob(
      provider,
      { provider: 'openai', baseModel: 'gpt-4o-mini-2024-07-18', method: 'sft', hyperparameters: {} },
      data,
      { ledger: new JobLedger({ dir: ledgerDir }) },
    );
    await rm(data.dir, { recursive: true, force: true });
    fake.setState(ref.remoteId, 'succeeded');

    const key = ref.key.slice(0, 12);
    const deployed = await runCli('deploy', key, '--config', config, '--ledger-dir', ledgerDir);
    expect(deployed.stderr).toMatch(/Creating Azure deployment polytune-\w+ \(developertier, capacity 50\)/);
    expect(deployed.code).toBe(0);
    expect(deployed.stdout).toMatch(
      new RegExp(`Endpoint polytune-${key}: Succeeded \\(50 × developertier\\)`),
    );
    expect(deployed.stdout).toMatch(/Lifetime 24h/);
    expect(tokens[0]).toMatch(/grant_type=client_credentials/);
    expect(puts).toBe(1); // deploy.ts calls deploy twice (start, then wait): the second only reads
    const [file] = await readdir(join(ledgerDir, 'jobs'));
    const record = JSON.parse(await readFile(join(ledgerDir, 'jobs', file as string), 'utf8'));
    expect(record.deployments).toEqual([
      expect.objectContaining({ id: `polytune-${key}`, status: 'Succeeded', kind: 'openai-endpoint' }),
    ]);

    const removed = await runCli('undeploy', key, '--config', config, '--ledger-dir', ledgerDir);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(new RegExp(`Deleted Azure OpenAI deployment polytune-${key}`));
    expect(live.size).toBe(0);
  });
});
