import { createWriteStream } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { PolytuneError } from '../../src/errors.js';
import type { RunSummary } from '../aggregate.js';
import type { CaseResult } from '../case-result.js';
import type { RunStatus } from '../eval-events.js';
import type { GateRule } from '../gate-rule.js';
import { readResultLines } from '../results-log.js';
import type { ModelInfo } from './model-names.js';
import type { Provenance } from './provenance.js';

/** The schema version of results.json. Readers migrate older versions; bump on any breaking change. */
export const RESULTS_VERSION = 1;

export interface ResultsHeader {
  version: number;
  status: RunStatus;
  createdAt: string;
  suite: {
    name: string;
    file?: string;
    description?: string;
    thresholds: string[];
    /** The suite's gate rule, when it sets one (`polytune gate` applies it unless told otherwise). */
    gate?: { rule: GateRule };
    generation: Record<string, unknown>;
    /** The suite's valid labels (classification), for reading outputs as labels again. */
    labels?: string[];
  };
  models: string[];
  /** Display name, ref and training job of each model (added in 0.1; absent in older files). */
  modelInfo?: ModelInfo[];
  provenance?: Provenance;
  baseline?: string;
  summary: RunSummary;
}

export interface ResultsFile extends ResultsHeader {
  cases: CaseResult[];
}

// The line before the cases array, so a reader that needs only the summary can stop there.
const CASES_MARKER = '\n"cases": [';

/** Writes results.json: the header, then every case streamed from results.jsonl (memory stays flat). */
export async function writeResultsJson(
  file: string,
  header: ResultsHeader,
  resultsFile: string,
  /** Sees each result as it is written (one pass serves other reports too). */
  onResult?: (result: CaseResult) => void,
): Promise<void> {
  const stream = createWriteStream(file);
  const write = (text: string) =>
    stream.write(text) ? Promise.resolve() : new Promise<void>((resolve) => stream.once('drain', resolve));
  const head = JSON.stringify(header, null, 1);
  await write(`${head.slice(0, -2)},${CASES_MARKER}\n`);
  let first = true;
  for await (const result of readResultLines(resultsFile)) {
    await write(`${first ? '' : ',\n'}${JSON.stringify(result)}`);
    first = false;
    onResult?.(result);
  }
  await write('\n]}\n');
  await new Promise<void>((resolve, reject) =>
    stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
}

// Older versions → the next one. Version 1 is the first published shape, so nothing migrates yet;
// a reader meeting version N < RESULTS_VERSION applies MIGRATIONS[N], MIGRATIONS[N+1], ….
const MIGRATIONS: Record<number, (old: Record<string, unknown>) => Record<string, unknown>> = {};

export function migrateResults(
  raw: unknown,
  file = 'results.json',
): ResultsHeader & { cases?: CaseResult[] } {
  if (!raw || typeof raw !== 'object' || typeof (raw as { version?: unknown }).version !== 'number') {
    throw new PolytuneError('INVALID_INPUT', 'Not a polytune results.json (no version).', {
      file,
      hint: 'Pass the results.json written by `polytune eval` into its --out folder.',
    });
  }
  let value = raw as Record<string, unknown>;
  let version = value.version as number;
  if (version > RESULTS_VERSION) {
    throw new PolytuneError(
      'INVALID_INPUT',
      `results.json version ${version} is newer than this polytune reads (${RESULTS_VERSION}).`,
      {
        file,
        hint: 'Upgrade polytune.',
      },
    );
  }
  while (version < RESULTS_VERSION) {
    const step = MIGRATIONS[version];
    if (!step)
      throw new PolytuneError('INVALID_INPUT', `results.json version ${version} cannot be read.`, {
        file,
        hint: 'Re-run the evaluation.',
      });
    value = step(value);
    version = value.version as number;
  }
  const summary = value.summary as RunSummary | undefined;
  if (!summary || !Array.isArray(summary.models)) {
    throw new PolytuneError('INVALID_INPUT', 'results.json has no summary.', {
      file,
      hint: 'Re-run the evaluation; the file may be cut short.',
    });
  }
  return value as unknown as ResultsHeader & { cases?: CaseResult[] };
}

/** Reads only the header and summary of results.json, without parsing every case. */
export async function readResultsSummary(file: string): Promise<ResultsHeader> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (cause) {
    throw new PolytuneError('INVALID_INPUT', `Cannot read ${file}.`, {
      cause,
      file,
      hint: 'Pass the results.json written by `polytune eval`.',
    });
  }
  let text = '';
  try {
    const chunk = Buffer.alloc(1 << 16);
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      text += chunk.subarray(0, bytesRead).toString('utf8');
      if (text.includes(CASES_MARKER)) break;
    }
  } finally {
    await handle.close();
  }
  const at = text.indexOf(CASES_MARKER);
  const json = at >= 0 ? `${text.slice(0, at).replace(/,\s*$/, '')}}` : await readFile(file, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (cause) {
    throw new PolytuneError('INVALID_INPUT', `results.json is not valid JSON: ${(cause as Error).message}`, {
      cause,
      file,
      hint: 'Re-run the evaluation; the file may be cut short.',
    });
  }
  const { cases: _cases, ...header } = migrateResults(raw, file);
  return header;
}

/** Reads all of results.json, cases included. */
export async function readResults(file: string): Promise<ResultsFile> {
  const raw = JSON.parse(await readFile(file, 'utf8')) as unknown;
  const value = migrateResults(raw, file);
  return { ...value, cases: value.cases ?? [] };
}
