/**
 * An example worker (behind `ExamplePool`): transforms batches of records with
 * the same code as the main thread (`transformBatch`), and hashes the source
 * file when asked. Compilers are rebuilt here from their `worker` module.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { CompilerModule, DatasetCompiler } from './compiler.js';
import { encodeLines } from './encoded-lines.js';
import type { RawInput } from './raw-record.js';
import { type TransformContext, type TransformedBatch, transformBatch } from './transform-record.js';

export type ExampleWorkerRequest =
  | { type: 'init'; context: Omit<TransformContext, 'compilers'>; compilers: CompilerModule[] }
  | { type: 'batch'; seq: number; inputs: RawInput[] }
  | { type: 'hash'; file: string };

export type ExampleWorkerReply =
  | { type: 'batch'; seq: number; result: TransformedBatch }
  | { type: 'failed'; seq: number; message: string }
  | { type: 'hash'; sha256: string };

async function loadCompiler(ref: CompilerModule): Promise<DatasetCompiler> {
  const exported = (await import(ref.module))[ref.export] as
    | DatasetCompiler
    | ((...args: unknown[]) => DatasetCompiler);
  return typeof exported === 'function' ? exported(...(ref.args ?? [])) : exported;
}

const port = parentPort!;
let context: Promise<TransformContext> | undefined;

port.on('message', async (msg: ExampleWorkerRequest) => {
  if (msg.type === 'init') {
    context = Promise.all(msg.compilers.map(loadCompiler)).then((compilers) => ({
      ...msg.context,
      compilers,
    }));
  } else if (msg.type === 'batch') {
    try {
      const ctx = await context!;
      const result = transformBatch(msg.inputs, ctx);
      result.encoded = encodeLines(result, ctx.compilers.length);
      const transfer = [...result.encoded.streams, ...result.encoded.ends].map(
        (a) => a.buffer as ArrayBuffer,
      );
      if (result.signatures) transfer.push(result.signatures.buffer as ArrayBuffer);
      port.postMessage({ type: 'batch', seq: msg.seq, result } satisfies ExampleWorkerReply, transfer);
    } catch (error) {
      port.postMessage({ type: 'failed', seq: msg.seq, message: String(error) } satisfies ExampleWorkerReply);
    }
  } else {
    const hash = createHash('sha256');
    createReadStream(msg.file)
      .on('data', (chunk) => hash.update(chunk as Buffer))
      .on('end', () =>
        port.postMessage({ type: 'hash', sha256: hash.digest('hex') } satisfies ExampleWorkerReply),
      )
      .on('error', () => port.postMessage({ type: 'hash', sha256: '' } satisfies ExampleWorkerReply));
  }
});
