import { createWriteStream, type WriteStream } from 'node:fs';
import { open, stat, truncate } from 'node:fs/promises';
import { redactor } from '../src/redact.js';
import type { CaseResult } from './case-result.js';
import { readLineBatches } from './line-batches.js';

/** Streams the results of a `results.jsonl`, skipping a torn last line. */
export async function* readResultLines(file: string): AsyncIterable<CaseResult> {
  try {
    await stat(file);
  } catch {
    return;
  }
  // 16 KiB reads: a batch's results are done with in a moment and die young.
  for await (const batch of readLineBatches(file, 1 << 14)) {
    for (const line of batch) {
      if (!line.trim()) continue;
      let value: CaseResult;
      try {
        value = JSON.parse(line) as CaseResult;
      } catch {
        continue; // a line cut short by a crash; its case runs again
      }
      if (value && typeof value.id === 'string' && typeof value.model === 'string') yield value;
    }
  }
}

/** Cuts a partial last line (a crash mid-write) so appended lines start on a line of their own. */
export async function repairTail(file: string): Promise<void> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return;
  }
  if (size === 0) return;
  const handle = await open(file, 'r');
  let keep = -1;
  try {
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    if (last[0] === 0x0a) return;
    // Scan back for the last newline.
    const chunk = Buffer.alloc(Math.min(size, 1 << 16));
    let end = size;
    while (end > 0 && keep < 0) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const index = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (index >= 0) keep = start + index + 1;
      end = start;
    }
  } finally {
    await handle.close();
  }
  await truncate(file, Math.max(0, keep));
}

/**
 * Appends one redacted JSON line per finished case. Lines finished in the same
 * tick go out in one write (fewer syscalls at high concurrency); a crash loses
 * at most that tick's lines, which --resume runs again.
 */
export class ResultsWriter {
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  private pending: string[] = [];
  private scheduled = false;
  private drained: Promise<void> | undefined;

  constructor(
    readonly file: string,
    append: boolean,
  ) {
    this.stream = createWriteStream(file, { flags: append ? 'a' : 'w' });
    this.stream.on('error', (error) => {
      this.failure = error;
    });
  }

  async write(result: CaseResult): Promise<void> {
    if (this.failure) throw this.failure;
    // Model text and error reasons are what can carry a secret; inputs come from the suite file.
    // Copied only when something was redacted (the common case writes the result as it is).
    let safe = result;
    // The environment is read once for the line's fields, not once per field (it was 4% of a run's CPU).
    const redact = redactor();
    const reason = redact(result.reason);
    const output = result.output !== undefined ? redact(result.output) : undefined;
    let graders = result.graders;
    if (graders) {
      for (let i = 0; i < graders.length; i++) {
        const g = graders[i] as NonNullable<CaseResult['graders']>[number];
        const r = redact(g.reason);
        if (r === g.reason) continue;
        if (graders === result.graders) graders = graders.slice();
        graders[i] = { ...g, reason: r };
      }
    }
    if (reason !== result.reason || output !== result.output || graders !== result.graders) {
      safe = { ...result, reason };
      if (output !== undefined) safe.output = output;
      if (graders) safe.graders = graders;
    }
    this.pending.push(JSON.stringify(safe));
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    // Backpressure: one shared wait for the stream to drain.
    if (this.drained) await this.drained;
  }

  private flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const chunk = `${this.pending.join('\n')}\n`;
    this.pending = [];
    if (!this.stream.write(chunk) && !this.drained) {
      this.drained = new Promise<void>((resolve) =>
        this.stream.once('drain', () => {
          this.drained = undefined;
          resolve();
        }),
      );
    }
  }

  async close(): Promise<void> {
    this.flush();
    await new Promise<void>((resolve, reject) =>
      this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    if (this.failure) throw this.failure;
  }
}
