import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runLocalJob } from './local-job-runner.js';
import { isAlive } from './local-job-store.js';

/** Starts job workers (in this process or detached) and says whether one is still working. */
export interface LocalJobLauncher {
  start(dir: string): void;
  /** True while something is (or may be) working on the job. */
  alive(dir: string, pid: number | undefined): boolean;
  runningHere(dir: string): boolean;
  /** Resolves when an in-process job ends. */
  settled(dir: string): Promise<void>;
}

export function createLocalJobLauncher(
  execution: 'detached' | 'in-process',
  cacheDir: string,
): LocalJobLauncher {
  const running = new Map<string, Promise<void>>();

  function startDetached(dir: string): void {
    const here = fileURLToPath(import.meta.url);
    const worker = here.replace(/local-job-launcher\.(ts|js)$/, 'local-job-worker.$1');
    // Running from source: the worker is TypeScript and needs the tsx loader.
    const loader = worker.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [];
    const child = spawn(process.execPath, [...loader, worker, dir, cacheDir], {
      detached: true,
      stdio: 'ignore',
    });
    child.unref();
  }

  return {
    start(dir: string): void {
      if (execution === 'detached') {
        startDetached(dir);
        return;
      }
      if (running.has(dir)) return;
      const task = runLocalJob(dir, cacheDir).finally(() => running.delete(dir));
      running.set(dir, task);
    },
    alive(dir: string, pid: number | undefined): boolean {
      if (running.has(dir)) return true;
      if (pid === process.pid) return false;
      return isAlive(pid);
    },
    runningHere: (dir) => running.has(dir),
    async settled(dir: string): Promise<void> {
      await running.get(dir);
    },
  };
}
