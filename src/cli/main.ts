import { Command, CommanderError } from 'commander';
import { exitCodeFor, isPolytuneError } from '../errors.js';
import { packageVersion } from '../package-root.js';
import { addExamples } from './command-examples.js';
import { commands } from './commands/index.js';
import { out } from './output.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  a gate or job failed, or any other failure
  2  invalid input or usage (errors are listed as file:line: message)
`;

export function buildProgram(): Command {
  const program = new Command('polytune')
    .description(
      'Fine-tune on OpenAI, Vertex AI, SageMaker or a local ONNX backend; evaluate every model with one suite.',
    )
    .version(packageVersion(), '-V, --version')
    .option('--debug', 'print stack traces and raw provider errors')
    .addHelpText('after', EXIT_CODES_HELP)
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  addExamples(program);
  return program;
}

export function printError(error: unknown, debug: boolean): void {
  if (isPolytuneError(error)) {
    const where = error.location ? `${error.location}: ` : '';
    out.error(`error [${error.code}]: ${where}${error.message}`);
    if (error.hint) out.error(`hint: ${error.hint}`);
    const http = error.http;
    if (http?.requestId)
      out.error(
        `request id: ${http.requestId} (${http.provider}${http.status ? `, HTTP ${http.status}` : ''}); quote it to the provider's support`,
      );
    if (debug && http) {
      const line = [http.method, http.url].filter(Boolean).join(' ');
      if (line) out.error(`request: ${line}`);
      if (http.bodyExcerpt) out.error(`response: ${http.bodyExcerpt}`);
    }
    if (debug) out.error(String(error.stack ?? ''));
    if (debug && error.cause) out.error(`cause: ${String((error.cause as Error).stack ?? error.cause)}`);
    return;
  }
  out.error(`error: ${error instanceof Error ? error.message : String(error)}`);
  if (debug) out.error(String((error as Error)?.stack ?? ''));
  else out.error('hint: run again with --debug for details.');
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return error.exitCode === 0 ? 0 : 2;
    }
    printError(error, debug);
    return exitCodeFor(error);
  }
}
