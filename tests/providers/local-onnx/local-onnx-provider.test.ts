import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalOnnxProvider } from '../../../providers/local-onnx/local-onnx-provider.js';
import type { JobEvent } from '../../../src/provider.js';
import { bankingSubset, writePreparedSubset } from './banking-subset.js';

const dirs: string[] = [];
async function temp(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'polytune-local-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const spec = {
  provider: 'local-onnx',
  baseModel: 'default',
  method: 'classification' as const,
  hyperparameters: { epochs: 12, seed: 1 },
  extra: { hidden: 64, device: 'cpu' },
};

async function collect(it: AsyncIterable<JobEvent>): Promise<JobEvent[]> {
  const out: JobEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('local-onnx provider', () => {
  it('fine-tunes a Banking77 subset end to end and serves a model that beats the zero-shot base', async () => {
    const root = await temp();
    const subset = bankingSubset();
    const data = await writePreparedSubset(join(root, 'data'), subset);
    const provider = createLocalOnnxProvider({
      workDir: join(root, 'work'),
      execution: 'in-process',
      device: 'cpu',
    });
    expect(provider.price(spec, {} as never).amount).toBe(0);

    const ref = await provider.submit(spec, data, { key: 'job1' });
    expect(ref).toMatchObject({ provider: 'local-onnx', key: 'job1' });
    // Poll while it trains, as `jobs wait` does: a running in-process job never reads as interrupted.
    const seen = new Set<string>();
    let settled = false;
    const finished = provider.settled(ref).then(() => {
      settled = true;
    });
    while (!settled) {
      seen.add((await provider.get(ref)).rawState);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await finished;
    expect([...seen]).not.toContain('interrupted');
    const done = await provider.get(ref);
    expect(done.state, done.detail).toBe('succeeded');
    expect(done.modelId).toContain('local-onnx:');
    expect(done.detail).toContain('device cpu');

    const events = await collect(provider.events(ref));
    const epochs = events.filter((e) => e.kind === 'metric' && e.metrics?.valid_loss !== undefined);
    expect(epochs.length).toBeGreaterThanOrEqual(2);
    expect(epochs[0]?.metrics).toMatchObject({ epoch: 1 });
    // hyperparameters.epochs (12) is honoured over the training default (30).
    expect(Math.max(...epochs.map((e) => e.metrics?.epoch ?? 0))).toBeLessThanOrEqual(12);
    expect(epochs.some((e) => e.message.includes('/12'))).toBe(true);
    expect(epochs[0]?.metrics?.train_accuracy).toBeGreaterThanOrEqual(0);
    const lastId = events[events.length - 1]?.id as string;
    expect(await collect(provider.events(ref, lastId))).toEqual([]);

    // Same key: re-attaches, trains nothing new.
    const again = await provider.submit(spec, data, { key: 'job1' });
    expect(again).toEqual(ref);
    await provider.settled(again);
    expect((await collect(provider.events(ref))).length).toBe(events.length);
    expect(await provider.find('job1')).toEqual(ref);
    expect(await provider.find('nope')).toBeUndefined();

    const accuracy = async (model: Awaited<ReturnType<typeof provider.model>>) => {
      const outs = await Promise.all(subset.test.map((e) => model.generate({ input: e.text })));
      return outs.filter((o, i) => o.text === subset.test[i]?.label).length / subset.test.length;
    };
    const model = await provider.model(ref);
    const one = await model.generate({ input: [{ role: 'user', content: 'My card has not arrived yet' }] });
    expect(subset.labels).toContain(one.text);
    const probs = Object.values(one.probabilities ?? {});
    expect(probs).toHaveLength(subset.labels.length);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    const tuned = await accuracy(model);
    const zeroShot = await provider.model(`local-onnx:zero-shot:${data.dir}`);
    const baseline = await accuracy(zeroShot);
    expect(tuned).toBeGreaterThan(0.7);
    expect(tuned).toBeGreaterThan(baseline);
    // The exported folder serves on its own, by path.
    const byPath = await provider.model(done.modelId as string);
    expect((await byPath.generate({ input: subset.test[0]?.text as string })).text).toBe(
      (await model.generate({ input: subset.test[0]?.text as string })).text,
    );
    await Promise.all([model.close?.(), zeroShot.close?.(), byPath.close?.()]);
  });

  it('cancels a job, and reports a job whose worker died as interrupted; re-submitting resumes it', async () => {
    const root = await temp();
    const data = await writePreparedSubset(join(root, 'data'));
    const provider = createLocalOnnxProvider({
      workDir: join(root, 'work'),
      execution: 'in-process',
      device: 'cpu',
    });
    const ref = await provider.submit(spec, data, { key: 'job2' });
    await provider.cancel(ref);
    await provider.settled(ref);
    expect((await provider.get(ref)).state).toBe('cancelled');

    // A job left "running" by a process that no longer exists.
    const other = createLocalOnnxProvider({
      workDir: join(root, 'work2'),
      execution: 'in-process',
      device: 'cpu',
    });
    const ref3 = await other.submit(spec, data, { key: 'job3' });
    await other.settled(ref3);
    await writeFile(
      join(ref3.remoteId, 'status.json'),
      JSON.stringify({ rawState: 'running', pid: 2 ** 22 + 12345, updatedAt: new Date().toISOString() }),
    );
    const snap = await other.get(ref3);
    expect(snap.state).toBe('failed');
    expect(snap.rawState).toBe('interrupted');
    expect(snap.detail).toContain('resume');
    await other.submit(spec, data, { key: 'job3' });
    await other.settled(ref3);
    expect((await other.get(ref3)).state).toBe('succeeded');
  });

  it('refuses chat data and names what a base folder lacks', async () => {
    const root = await temp();
    const data = await writePreparedSubset(join(root, 'data'));
    const provider = createLocalOnnxProvider({ workDir: join(root, 'work'), execution: 'in-process' });
    await expect(provider.submit({ ...spec, method: 'sft' }, data, { key: 'k' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
    });
    await writeFile(join(root, 'config.json'), JSON.stringify({ hiddenSize: 8 }));
    await expect(provider.submit({ ...spec, baseModel: root }, data, { key: 'k2' })).rejects.toThrow(
      /lacks model\.onnx and tokenizer\.json/,
    );
    expect(existsSync(join(root, 'work', 'jobs', 'k2'))).toBe(false);
    const issues = provider.validate({ kind: 'chat' } as never, { ...spec, method: 'sft' });
    expect(issues.map((i) => i.code)).toContain('LOCAL_CLASSIFICATION_ONLY');
  });
});
