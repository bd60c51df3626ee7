import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/capture-output.js';
import { type FaultServer, startFaultServer } from '../helpers/fault-server.js';
import { writePreparedFixture } from '../helpers/prepared-fixture.js';
import { FakeOpenAI, startFakeOpenAIServer } from '../providers/openai/fake-openai.js';
import { ROOT } from './cli-child.js';

/**
 * A canary credential for every provider is set; the main commands run
 * (data check/prepare, doctor, tune --dry-run, tune against a fake OpenAI,
 * jobs list/show, eval and gate against a server that echoes the key back in
 * answers and error bodies, plus --debug); then every file they wrote and
 * everything they printed is scanned for any canary.
 */

const CANARIES = {
  OPENAI_API_KEY: 'sk-canaryOPENAI7f3a9c1e5b2d4f60a8e1',
  AZURE_OPENAI_API_KEY: 'azcanary0d1e2f3a4b5c6d7e8f9a0b1c2',
  AWS_ACCESS_KEY_ID: 'AKIACANARYQ7Z3X9W1V5',
  AWS_SECRET_ACCESS_KEY: 'awsCanarySecret/9f8e7d6c5b4a3f2e1d0cZZ',
  AWS_SESSION_TOKEN: 'awsCanarySessionToken00112233445566778899',
  GOOGLE_API_KEY: 'AIzaCanaryGoogleKey_0123456789abcdefghijk',
  POLYTUNE_JUDGE_API_KEY: 'judgeCanary5e6f7a8b9c0d1e2f3a4b',
};
// Inside the service-account file only: a secret that is in no environment variable.
const PRIVATE_KEY_CANARY = 'PrivKeyCanaryMIIEvQIBADANBgkqhkiG9w0BAQEFAASC';
// An API key given in the config file, in no environment variable and in no known key shape.
const CONFIG_KEY_CANARY = 'cfgKeyCanary4d3c2b1a0f9e8d7c6b5a';

const ALL = [...Object.values(CANARIES), PRIVATE_KEY_CANARY, CONFIG_KEY_CANARY];

let work: string;
let secretsDir: string;
let fake: FakeOpenAI;
let fakeServer: Awaited<ReturnType<typeof startFakeOpenAIServer>>;
let faults: FaultServer;
const saved: Record<string, string | undefined> = {};
let printed = '';

function leaksIn(text: string): string[] {
  const found: string[] = [];
  for (const canary of ALL) {
    // The whole value, and its distinctive middle (a partly masked key is still a leak).
    const core = canary.slice(4, 20);
    if (text.includes(canary) || text.includes(core)) found.push(canary);
  }
  return found;
}

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const result = await runCli(...args);
  printed += `\n$ polytune ${args.join(' ')}\n${result.stdout}\n${result.stderr}`;
  return result;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'polytune-secrets-'));
  secretsDir = await mkdtemp(join(tmpdir(), 'polytune-secret-src-'));
  for (const [name, value] of Object.entries(CANARIES)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
  const credentials = join(secretsDir, 'service-account.json');
  await writeFile(
    credentials,
    JSON.stringify({
      type: 'service_account',
      project_id: 'canary-project',
      client_email: 'canary@canary-project.iam.gserviceaccount.com',
      private_key: `-----BEGIN PRIVATE KEY-----\n${PRIVATE_KEY_CANARY}\n-----END PRIVATE KEY-----\n`,
    }),
  );
  saved.GOOGLE_APPLICATION_CREDENTIALS = process.env.GOOGLE_APPLICATION_CREDENTIALS;
  process.env.GOOGLE_APPLICATION_CREDENTIALS = credentials;

  fake = new FakeOpenAI();
  fakeServer = await startFakeOpenAIServer(fake);
  faults = await startFaultServer({
    decide: ({ prompt, headers }) => {
      const auth = String(headers.authorization ?? '');
      const key = auth.replace(/^Bearer /, '');
      // A provider (or proxy) that quotes the request's credentials back.
      if (prompt === 'echo-in-answer') return { kind: 'ok', content: `your key is ${key}` };
      if (prompt === 'echo-400')
        return {
          kind: 'body',
          status: 400,
          body: JSON.stringify({ error: { message: `Invalid request with key ${key}`, type: 'x' } }),
        };
      if (prompt === 'echo-401')
        return {
          kind: 'body',
          status: 401,
          body: JSON.stringify({ error: { message: `Incorrect API key provided: ${key}` } }),
        };
      if (prompt === 'echo-403')
        return {
          kind: 'body',
          status: 403,
          body: JSON.stringify({ error: { message: `${auth} may not use this model` } }),
        };
      if (prompt === 'echo-500')
        return {
          kind: 'body',
          status: 500,
          body: JSON.stringify({ error: { message: `boom ${auth}` } }),
          headers: { 'retry-after': '0' },
        };
      if (prompt === 'echo-env') return { kind: 'ok', content: `env: ${Object.values(CANARIES).join(' ')}` };
      return { kind: 'ok', content: prompt.toUpperCase() };
    },
    lifetimeMs: 60_000,
  });
});

afterAll(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await fakeServer?.close();
  await faults?.close();
  if (!process.env.KEEP_SECRETS_WORK) await rm(work, { recursive: true, force: true });
  await rm(secretsDir, { recursive: true, force: true });
});

describe('secrets never leak', () => {
  it('through data, doctor, tune, jobs, eval and gate: not printed, not written', async () => {
    const ledger = join(work, '.polytune');
    // Config files are the user's input and hold a key, so they live outside the scanned folder.
    const config = join(secretsDir, 'polytune.config.json');
    await writeFile(
      config,
      JSON.stringify({
        providers: {
          openai: { baseURL: fakeServer.url, retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 2 } },
        },
      }),
    );
    const evalConfig = join(secretsDir, 'eval.config.json');
    await writeFile(
      evalConfig,
      JSON.stringify({ providers: { openai: { baseURL: faults.url, requestTimeoutMs: 5_000 } } }),
    );
    const keyConfig = join(secretsDir, 'key.config.json');
    await writeFile(
      keyConfig,
      JSON.stringify({ providers: { openai: { baseURL: faults.url, apiKey: CONFIG_KEY_CANARY } } }),
    );
    const data = join(ROOT, 'fixtures/datasets/toy_chat_fine_tuning.jsonl');
    const prepared = join(work, 'prepared');

    expect((await cli('data', 'check', data, '--json')).code).toBe(0);
    expect((await cli('data', 'prepare', data, '--out', prepared, '--json')).code).toBe(0);
    await cli('doctor', '--json', '--config', config);
    await cli('doctor', '--config', config);

    // A prepared folder big enough for OpenAI's minimum, written under the scanned folder.
    const fixture = await writePreparedFixture({ providers: ['openai', 'vertex', 'sagemaker'] });
    const tuneData = fixture.dir;
    const tune = [
      'tune',
      '--provider',
      'openai',
      '--base-model',
      'gpt-4o-mini-2024-07-18',
      '--data',
      tuneData,
    ];
    const common = ['--config', config, '--ledger-dir', ledger];
    expect((await cli(...tune, '--dry-run', '--json', ...common)).code).not.toBe(1);
    for (const provider of ['vertex', 'sagemaker']) {
      await cli('tune', '--provider', provider, '--data', tuneData, '--dry-run', '--json', ...common);
    }
    const submitted = await cli(...tune, '--epochs', '2', '--json', ...common);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(fake.jobCount()).toBe(1);

    // The provider rejects a create, quoting the key in its error body; once plain, once with --debug.
    fake.faults.push({
      kind: 'status',
      method: 'POST',
      path: '/fine_tuning/jobs',
      status: 400,
      body: { error: { message: `Bad request for key ${CANARIES.OPENAI_API_KEY}`, param: 'model' } },
    });
    const rejected = await cli(...tune, '--epochs', '3', ...common);
    expect(rejected.code).not.toBe(0);
    fake.faults.push({
      kind: 'status',
      method: 'POST',
      path: '/fine_tuning/jobs',
      status: 401,
      body: { error: { message: `Incorrect API key provided: ${CANARIES.OPENAI_API_KEY}` } },
    });
    await cli('--debug', ...tune, '--epochs', '4', ...common);

    const [job] = fake.jobs.values();
    fake.setState(String(job?.id), 'succeeded');
    expect((await cli('jobs', 'list', '--json', ...common)).code).toBe(0);
    expect((await cli('jobs', 'list', ...common)).code).toBe(0);
    await cli('jobs', 'show', String(job?.id), '--json', ...common);
    await cli('jobs', 'events', String(job?.id), '--json', ...common);

    // Eval against a server that echoes the key in answers and error bodies.
    const suite = join(work, 'suite.yaml');
    const prompts = ['plain', 'echo-in-answer', 'echo-400', 'echo-401', 'echo-403', 'echo-500', 'echo-env'];
    await writeFile(
      suite,
      `name: canary\nthresholds: ["passRate >= 0.1"]\ncases:\n${prompts.map((p) => `  - { id: ${p}, input: ${p}, expected: ${p.toUpperCase()} }`).join('\n')}\n`,
    );
    const outDir = join(work, 'eval-out');
    const evalArgs = [
      'eval',
      '--suite',
      suite,
      '--model',
      'openai:gpt-4o-mini',
      '--out',
      outDir,
      '--cache-dir',
      join(work, 'eval-cache'),
      '--config',
      evalConfig,
      '--ledger-dir',
      ledger,
      '--concurrency',
      '2',
    ];
    const evaluated = await cli(...evalArgs, '--gate');
    expect(evaluated.code).not.toBe(2);
    await cli(...evalArgs, '--json', '--resume');
    await cli('--debug', ...evalArgs, '--out', join(work, 'eval-out-2'), '--no-cache');
    const before = faults.totalRequests();
    await cli('--debug', ...evalArgs, '--out', join(work, 'eval-out-3'), '--no-cache', '--config', keyConfig);
    expect(faults.totalRequests()).toBeGreaterThan(before);
    expect(await readFile(join(work, 'eval-out-3', 'results.jsonl'), 'utf8')).toContain('(403)');
    await cli('gate', join(outDir, 'results.json'), '--json');
    await cli('gate', join(outDir, 'results.json'));

    // The run really produced what we scan.
    const written = await filesUnder(work);
    const names = written.map((f) => f.slice(work.length + 1));
    expect(names).toEqual(
      expect.arrayContaining([
        'eval-out/results.jsonl',
        'eval-out/results.json',
        'eval-out/summary.md',
        'eval-out/junit.xml',
        'eval-out/report.html',
      ]),
    );
    expect(names.some((n) => n.startsWith('eval-cache/'))).toBe(true);
    expect(names.some((n) => n.startsWith('.polytune/'))).toBe(true);
    const results = await readFile(join(outDir, 'results.jsonl'), 'utf8');
    expect(results).toContain('echo-in-answer');
    expect(results).toMatch(/\(401\)/);
    // The canaries were really sent, so there was something to leak.
    expect(faults.totalRequests()).toBeGreaterThan(prompts.length);

    const leaks: string[] = [];
    for (const file of written) {
      const text = await readFile(file, 'utf8').catch(() => '');
      for (const canary of leaksIn(text)) leaks.push(`${file.slice(work.length + 1)}: ${canary}`);
    }
    for (const canary of leaksIn(printed)) leaks.push(`terminal: ${canary}`);
    expect(leaks, printed.slice(0, 4000)).toEqual([]);
    for (const file of await filesUnder(tuneData)) {
      for (const canary of leaksIn(await readFile(file, 'utf8'))) leaks.push(`${file}: ${canary}`);
    }
    await rm(tuneData, { recursive: true, force: true });
  });
});
