import { Worker } from 'node:worker_threads';

/**
 * Starts a worker thread on a module beside the caller: the built `.js` file,
 * or under TypeScript sources (tests, tsx) the `.ts` file with tsx registered
 * in the worker first. Undefined when no thread can start (the caller then does
 * the work itself).
 */
export function startWorker(moduleUrl: URL): Worker | undefined {
  try {
    if (moduleUrl.pathname.endsWith('.ts')) {
      const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
      const code = `import(${tsx}).then((api) => { api.register(); return import(${JSON.stringify(moduleUrl.href)}); })`;
      return new Worker(code, { eval: true });
    }
    return new Worker(moduleUrl);
  } catch {
    return undefined;
  }
}

/** `./<name>.js`, or `./<name>.ts` when the caller runs from TypeScript sources. */
export function siblingModule(name: string, callerUrl: string): URL {
  return new URL(`./${name}${callerUrl.endsWith('.ts') ? '.ts' : '.js'}`, callerUrl);
}
