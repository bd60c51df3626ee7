import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));

/** Runs `polytune <args>` with its stdout a pipe whose reading end is already closed, as `| head` leaves it. */
function runIntoClosedPipe(args: string[]): Promise<{ code: number | string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_OPTIONS: '', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code: code ?? signal ?? -1, stderr })),
  );
}

describe('output to a closed pipe', () => {
  it('`compare --help | head` ends quietly', async () => {
    const { code, stderr } = await runIntoClosedPipe(['compare', '--help']);
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });

  it('`jobs list | head` ends quietly', async () => {
    const ledger = await mkdtemp(join(tmpdir(), 'polytune-pipe-'));
    const { code, stderr } = await runIntoClosedPipe(['jobs', 'list', '--ledger-dir', ledger]);
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });
});
