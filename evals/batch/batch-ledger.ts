import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { PolytuneError } from '../../src/errors.js';

export const BatchRecordSchema = z.object({
  version: z.literal(1),
  key: z.string().regex(/^[a-f0-9]{32}$/),
  model: z.string(),
  chunk: z.number().int().nonnegative(),
  requests: z.number().int().nonnegative(),
  /** The service's batch id, once the create call answered. */
  remoteId: z.string().optional(),
  rawState: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type BatchRecord = z.infer<typeof BatchRecordSchema>;

/**
 * Batches of `eval --batch`, one JSON file per batch key under
 * `<dir>/batches/`. A record is written before the create call, so a run
 * killed in between knows to look the batch up by its key instead of creating
 * it again. Writes are atomic (temp file + rename).
 */
export class BatchLedger {
  readonly dir: string;

  constructor(dir = '.polytune') {
    this.dir = join(resolve(dir), 'batches');
  }

  async read(key: string): Promise<BatchRecord | undefined> {
    let text: string;
    try {
      text = await readFile(this.fileFor(key), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed = BatchRecordSchema.safeParse(JSON.parse(text));
    // An unreadable record only costs a lookup by key on the service; it is rewritten.
    return parsed.success ? parsed.data : undefined;
  }

  async write(record: BatchRecord): Promise<void> {
    const file = this.fileFor(record.key);
    await mkdir(this.dir, { recursive: true });
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temp, `${JSON.stringify(BatchRecordSchema.parse(record), null, 2)}\n`, 'utf8');
      await rename(temp, file);
    } catch (error) {
      await rm(temp, { force: true });
      throw new PolytuneError(
        'LEDGER',
        `Could not write the batch record ${file}: ${(error as Error).message}`,
        {
          cause: error,
          hint: 'Check that the ledger folder is writable.',
        },
      );
    }
  }

  private fileFor(key: string): string {
    if (!/^[a-f0-9]{32}$/.test(key))
      throw new PolytuneError('LEDGER', `Not a batch key: ${JSON.stringify(key)}`);
    return join(this.dir, `${key}.json`);
  }
}
