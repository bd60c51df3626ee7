/**
 * Worker thread behind TokenCountPool: counts the o200k tokens of canonical
 * example JSON (and hashes the source file) off the main thread.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { ExampleDraft } from './map-record.js';
import { exampleTokens } from './token-count.js';

export type TokenWorkerRequest =
  | { type: 'count'; seq: number; contents: string[] }
  | { type: 'hash'; file: string };
export type TokenWorkerReply =
  | { type: 'counts'; seq: number; counts: Uint32Array }
  | { type: 'hash'; sha256: string }
  | { type: 'failed'; message: string };

const port = parentPort!;
port.on('message', (msg: TokenWorkerRequest) => {
  if (msg.type === 'count') {
    const counts = new Uint32Array(msg.contents.length);
    for (let i = 0; i < counts.length; i++)
      counts[i] = exampleTokens(JSON.parse(msg.contents[i]!) as ExampleDraft);
    port.postMessage({ type: 'counts', seq: msg.seq, counts } satisfies TokenWorkerReply, [counts.buffer]);
  } else {
    const hash = createHash('sha256');
    createReadStream(msg.file)
      .on('data', (chunk) => hash.update(chunk as Buffer))
      .on('end', () =>
        port.postMessage({ type: 'hash', sha256: hash.digest('hex') } satisfies TokenWorkerReply),
      )
      .on('error', () => port.postMessage({ type: 'hash', sha256: '' } satisfies TokenWorkerReply));
  }
});
