import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { PolytuneError } from '../errors.js';
import { writeJsonAtomic } from '../files/write-atomic.js';
import type { JobSnapshot } from '../provider.js';
import { redactValue } from '../redact.js';
import { currentState, type JobRecord, JobRecordSchema } from './job-record.js';

/** A record that could not be read: reported, skipped, never fatal. */
export interface LedgerProblem {
  file: string;
  message: string;
}

export interface JobLedgerOptions {
  /** The ledger root; records live in `<dir>/jobs/<key>.json`. @default ".polytune" in the working directory */
  dir?: string;
  /** Called for each unreadable record met while reading. */
  onProblem?(problem: LedgerProblem): void;
  /** Clock for timestamps; injectable for tests. @default () => new Date() */
  now?: () => Date;
}

const KEY_PATTERN = /^[a-z0-9][a-z0-9_-]{0,127}$/i;

/**
 * The local job ledger. Every write goes to a temp file and is renamed into
 * place, so a reader sees the old record or the new one, never half of one; a
 * record that is corrupt anyway (disk full, edited by hand) is reported and skipped.
 */
export class JobLedger {
  readonly dir: string;
  readonly jobsDir: string;
  private readonly onProblem?: (problem: LedgerProblem) => void;
  private readonly clock: () => Date;

  constructor(options: JobLedgerOptions = {}) {
    this.dir = resolve(options.dir ?? '.polytune');
    this.jobsDir = join(this.dir, 'jobs');
    this.onProblem = options.onProblem;
    this.clock = options.now ?? (() => new Date());
  }

  now(): string {
    return this.clock().toISOString();
  }

  fileFor(key: string): string {
    if (!KEY_PATTERN.test(key))
      throw new PolytuneError('LEDGER', `Not a valid job key: ${JSON.stringify(key)}`);
    return join(this.jobsDir, `${key}.json`);
  }

  /** The record for `key`, or undefined when there is none or it is unreadable (then reported). */
  async read(key: string): Promise<JobRecord | undefined> {
    const file = this.fileFor(key);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      this.report({ file, message: (error as Error).message });
      return undefined;
    }
    return this.parse(file, text);
  }

  /** Writes the record atomically. Secrets are redacted first. */
  async write(record: JobRecord): Promise<JobRecord> {
    const file = this.fileFor(record.key);
    const valid = JobRecordSchema.parse(redactValue(record));
    await mkdir(this.jobsDir, { recursive: true });
    try {
      await writeJsonAtomic(file, valid);
    } catch (error) {
      throw new PolytuneError(
        'LEDGER',
        `Could not write the job record ${file}: ${(error as Error).message}`,
        {
          hint: 'Check that the ledger folder is writable (--ledger-dir).',
          cause: error,
        },
      );
    }
    return valid;
  }

  /** Read-modify-write of one record; fails when the record does not exist. */
  async update(key: string, change: (record: JobRecord) => JobRecord | undefined): Promise<JobRecord> {
    const record = await this.read(key);
    if (!record) throw new PolytuneError('LEDGER', `No readable job record for key ${key}.`);
    const next = change(structuredClone(record)) ?? record;
    return this.write({ ...next, updatedAt: this.now() });
  }

  /** Appends the snapshot's state to the history when it changed, and keeps model, tokens, cost and error. */
  async recordSnapshot(key: string, snapshot: JobSnapshot): Promise<JobRecord> {
    return this.update(key, (record) => {
      const last = record.history.length > 0 ? currentState(record) : undefined;
      if (!last || last.state !== snapshot.state || last.rawState !== snapshot.rawState) {
        record.history.push({
          state: snapshot.state,
          rawState: snapshot.rawState,
          at: this.now(),
          ...(snapshot.detail ? { detail: snapshot.detail } : {}),
        });
      }
      record.remoteId ??= snapshot.ref.remoteId;
      if (snapshot.modelId) record.modelId = snapshot.modelId;
      if (snapshot.trainedTokens !== undefined) record.trainedTokens = snapshot.trainedTokens;
      if (snapshot.cost && !snapshot.cost.estimate) record.costActual = snapshot.cost;
      if (snapshot.error) record.error = snapshot.error;
      return record;
    });
  }

  /** Every readable record, newest first; unreadable ones are reported and skipped. */
  async list(): Promise<{ records: JobRecord[]; problems: LedgerProblem[] }> {
    let names: string[];
    try {
      names = await readdir(this.jobsDir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], problems: [] };
      throw new PolytuneError(
        'LEDGER',
        `Could not read the ledger ${this.jobsDir}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const records: JobRecord[] = [];
    const problems: LedgerProblem[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const file = join(this.jobsDir, name);
      const text = await readFile(file, 'utf8').catch((error: Error) => {
        problems.push({ file, message: error.message });
        return undefined;
      });
      if (text === undefined) continue;
      const record = this.parse(file, text, problems);
      if (record) records.push(record);
    }
    records.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    return { records, problems };
  }

  private parse(file: string, text: string, sink?: LedgerProblem[]): JobRecord | undefined {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      this.report({ file, message: `not valid JSON (${(error as Error).message}); skipped` }, sink);
      return undefined;
    }
    const parsed = JobRecordSchema.safeParse(json);
    if (!parsed.success) {
      this.report(
        {
          file,
          message: `not a job record; skipped:\n${z.prettifyError(parsed.error)}`,
        },
        sink,
      );
      return undefined;
    }
    return parsed.data;
  }

  private report(problem: LedgerProblem, sink?: LedgerProblem[]): void {
    sink?.push(problem);
    this.onProblem?.(problem);
  }
}
