import { spawn } from 'node:child_process';

/** Runs a command to completion and resolves with its stdout; rejects with the tail of stderr. */
export function runChild(
  command: string,
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      err += d;
    });
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new Error(`${command} ${argv.join(' ')} exited ${code}: ${err.slice(-2000)}`)),
    );
  });
}
