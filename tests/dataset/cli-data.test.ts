import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('polytune data check', () => {
  it('exits 0 on a usable file and lists warnings as file:line', async () => {
    const { code, stdout } = await run(['data', 'check', 'fixtures/datasets/toy_chat_fine_tuning.jsonl']);
    expect(code).toBe(0);
    expect(stdout).toContain('fixtures/datasets/toy_chat_fine_tuning.jsonl:4: warning: no user message');
    expect(stdout).toMatch(/toy_chat_fine_tuning\.jsonl:5: warning: 8,\d{3} tokens/);
  });

  it('exits 2 on invalid records, listing file:line: message, without a stack trace', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polytune-cli-'));
    const file = join(dir, 'bad.jsonl');
    await writeFile(file, '{"messages":[{"role":"user","content":"hi"}]}\n{oops\n');
    const { code, stdout, stderr } = await run(['data', 'check', file]);
    expect(code).toBe(2);
    expect(stdout).toContain(`${file}:1: error: no assistant message`);
    expect(stdout).toContain(`${file}:2: error: not valid JSON`);
    expect(stderr).toContain(`error [INVALID_INPUT]: ${file}:1:`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('prints JSON with --json and exits 2 for a missing file', async () => {
    const ok = await run(['data', 'check', 'fixtures/datasets/dolly_first100.jsonl', '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ kind: 'completion', counts: { read: 100 } });
    const missing = await run(['data', 'check', 'no/such/file.jsonl']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no/such/file.jsonl');
  });

  it('exits 2 on an unknown provider or bad --map', async () => {
    expect(
      (await run(['data', 'check', 'fixtures/datasets/dolly_first100.jsonl', '--provider', 'nope'])).code,
    ).toBe(2);
    expect(
      (await run(['data', 'check', 'fixtures/datasets/dolly_first100.jsonl', '--map', 'text'])).code,
    ).toBe(2);
  });
});

describe('polytune data prepare', () => {
  it('writes the prepared folder and exits 0', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'polytune-cli-')), 'prep');
    const { code, stdout } = await run([
      'data',
      'prepare',
      'fixtures/datasets/banking77_train_300.csv',
      '--out',
      out,
      '--seed',
      '7',
      '--provider',
      'openai,local-onnx',
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('splits: train');
    expect(existsSync(join(out, 'manifest.json'))).toBe(true);
    expect(existsSync(join(out, 'local-onnx', 'train.jsonl'))).toBe(true);
    expect(existsSync(join(out, 'vertex'))).toBe(false);
  });

  it('prints at most 10 warnings of a kind, then how many more (Banking77: 100 near-duplicates)', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'polytune-cli-')), 'prep');
    const { code, stdout } = await run(['data', 'prepare', 'fixtures/banking77/train.csv', '--out', out]);
    expect(code).toBe(0);
    const shown = stdout.split('\n').filter((l) => l.endsWith('(near_duplicate)'));
    expect(shown).toHaveLength(10);
    const more = /… and (\d+) more near_duplicate \(dropped records are listed in manifest.json\)/.exec(
      stdout,
    );
    const dropped = Number(/dropped (\d+): near duplicate/.exec(stdout)?.[1]);
    expect(Number(more?.[1]) + 10).toBe(dropped);
  });

  it('exits 2 and writes nothing when a requested provider cannot take the kind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'polytune-cli-'));
    const file = join(dir, 'pref.jsonl');
    await writeFile(
      file,
      `${JSON.stringify({ input: { messages: [{ role: 'user', content: 'q' }] }, preferred_output: [{ role: 'assistant', content: 'good' }], non_preferred_output: [{ role: 'assistant', content: 'bad' }] })}\n`,
    );
    const out = join(dir, 'out');
    // Vertex takes preference data (preference tuning); SageMaker's JumpStart recipes do not.
    const { code, stderr } = await run(['data', 'prepare', file, '--out', out, '--provider', 'sagemaker']);
    expect(code).toBe(2);
    expect(stderr).toContain('sagemaker cannot train on preference examples');
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 on a bad --split', async () => {
    const { code } = await run([
      'data',
      'prepare',
      'fixtures/datasets/dolly_first100.jsonl',
      '--out',
      '/tmp/x',
      '--split',
      '1,2',
    ]);
    expect(code).toBe(2);
  });
});
