import { vi } from 'vitest';
import { main } from '../../src/cli/main.js';

/**
 * Runs `fn` with stdout and stderr captured (nothing reaches the test log) and
 * `process.exitCode` reset afterwards, so one CLI call cannot leak into the next.
 */
export async function captureOutput<T>(
  fn: () => Promise<T>,
): Promise<{ value: T; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    return { value: await fn(), stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}

/** `polytune <args>` in-process, as a user runs it: exit code and everything printed. */
export async function runCli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { value: code, stdout, stderr } = await captureOutput(() => main(args));
  return { code, stdout, stderr };
}
