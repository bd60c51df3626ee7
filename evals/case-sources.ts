import { open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Example } from '../src/dataset/example.js';
import type { PreparedManifest } from '../src/dataset/prepared-manifest.js';
import { readExamples, readPrepared } from '../src/dataset/read-prepared.js';
import { PolytuneError } from '../src/errors.js';
import { caseId } from './case-id.js';
import { deriveCase, resolveGenerators } from './generators/derive-case.js';
import { hashFraction } from './generators/seeded-random.js';
import { KeySet } from './key-set.js';
import { readLineBatches } from './line-batches.js';
import {
  type CaseSource,
  type EvalCase,
  EvalCaseSchema,
  type GraderSpec,
  type LoadedSuite,
} from './suite.js';
import { describeZodIssues } from './suite-loader.js';

/**
 * Streams a suite's cases (inline, JSONL files, the prepared test split, then
 * generated cases) without holding them all in memory. Every case comes out
 * with its id and its effective graders.
 */
export interface CaseStream {
  /** Valid labels: the suite's, else those of its prepared folders. */
  labels?: string[];
  cases(): AsyncIterable<EvalCase>;
  /**
   * The number of cases `cases()` yields, found without parsing them (inline
   * cases plus the non-blank lines of JSONL files); undefined when that takes
   * parsing (prepared folders, generators). A file with an invalid line or a
   * duplicate id fails the run when streamed, so the count is exact for every
   * suite that runs.
   */
  count?(): Promise<number | undefined>;
}

export const IMPLICIT_EQUALS: GraderSpec = {
  type: 'equals',
  trim: true,
  ignoreCase: false,
  collapseWhitespace: false,
  ignorePunctuation: false,
  unicode: 'NFC',
};

/** Parsed JSON lines in batches (one per read), numbered from 1 counting blank lines. */
async function* readJsonLineBatches(file: string): AsyncIterable<{ line: number; value: unknown }[]> {
  let batches: AsyncIterator<string[]>;
  let first: IteratorResult<string[]>;
  try {
    // 8 KiB reads (~100 cases): a batch is used up within a few milliseconds, so its cases
    // die young in V8's new space instead of being promoted while they wait.
    batches = readLineBatches(file, 1 << 13)[Symbol.asyncIterator]();
    first = await batches.next();
  } catch (cause) {
    throw new PolytuneError('INVALID_INPUT', `Cannot read ${file}.`, {
      cause,
      file,
      hint: 'Check the path in the suite (relative to the suite file).',
    });
  }
  let line = 0;
  for (let next = first; !next.done; next = await batches.next()) {
    const out: { line: number; value: unknown }[] = [];
    for (const text of next.value) {
      line++;
      if (!text.trim()) continue;
      try {
        out.push({ line, value: JSON.parse(text) });
      } catch (cause) {
        throw new PolytuneError('INVALID_INPUT', `Line is not valid JSON: ${(cause as Error).message}`, {
          file,
          line,
          cause,
          hint: 'Each line must be one JSON object.',
        });
      }
    }
    if (out.length) yield out;
  }
}

async function readManifest(dir: string): Promise<PreparedManifest> {
  return (await readPrepared(dir)).manifest;
}

/** A prepared test example as an eval case; undefined for a chat example with no assistant turn to compare. */
export function exampleToCase(example: Example, category: string, labels?: string[]): EvalCase | undefined {
  switch (example.kind) {
    case 'classification':
      return {
        id: example.id,
        category,
        input: example.text,
        expected: example.label,
        graders: [{ type: 'label', labels }],
        meta: example.meta,
      };
    case 'completion':
      return {
        id: example.id,
        category,
        input: example.prompt,
        expected: example.completion,
        meta: example.meta,
      };
    case 'chat': {
      const last = example.messages.map((m) => m.role).lastIndexOf('assistant');
      const answer = example.messages[last]?.content;
      if (last < 1 || answer == null) return undefined;
      return {
        id: example.id,
        category,
        input: example.messages.slice(0, last),
        expected: answer,
        meta: example.meta,
      };
    }
    case 'preference':
      return {
        id: example.id,
        category,
        input: example.input,
        expected: example.preferred,
        meta: example.meta,
      };
  }
}

export async function openCaseStream(loaded: LoadedSuite): Promise<CaseStream> {
  const { suite, baseDir } = loaded;
  const manifests = new Map<string, PreparedManifest>();
  for (const source of suite.sources) {
    if ('heldout' in source) {
      const dir = resolve(baseDir, source.heldout);
      manifests.set(dir, await readManifest(dir));
    }
  }
  const labels = suite.labels ?? [...manifests.values()].find((m) => m.labels?.length)?.labels;

  const defaultGraders = (c: EvalCase): GraderSpec[] =>
    suite.graders ?? (c.expected !== undefined ? [IMPLICIT_EQUALS] : []);
  const withDefaults = (c: EvalCase): EvalCase => ({ ...c, graders: c.graders ?? defaultGraders(c) });

  // Cases come in batches (one per file read) so that a large suite costs one await per batch, not per case.
  async function* sourceBatches(source: CaseSource): AsyncIterable<EvalCase[]> {
    if ('file' in source) {
      const file = resolve(baseDir, source.file);
      for await (const batch of readJsonLineBatches(file)) {
        const out: EvalCase[] = [];
        for (const { line, value } of batch) {
          const parsed = EvalCaseSchema.safeParse(
            source.category && value && typeof value === 'object' && !('category' in value)
              ? { ...value, category: source.category }
              : value,
          );
          if (!parsed.success) {
            throw new PolytuneError('INVALID_INPUT', `Invalid case:\n${describeZodIssues(parsed.error)}`, {
              file,
              line,
              hint: 'Each line needs at least `input`; see evals/suite.schema.json (EvalCase).',
            });
          }
          const c = parsed.data as EvalCase;
          if (c.id === undefined) c.id = caseId(c.input, c.expected);
          if (!c.graders) c.graders = defaultGraders(c);
          out.push(c);
        }
        yield out;
      }
    } else if ('heldout' in source) {
      const dir = resolve(baseDir, source.heldout);
      const manifest = manifests.get(dir) as PreparedManifest;
      const file = join(dir, manifest.splits.test.file);
      let count = 0;
      let out: EvalCase[] = [];
      for await (const example of readExamples(file)) {
        if (source.limit !== undefined && count >= source.limit) break;
        const c = exampleToCase(example, source.category, manifest.labels ?? labels);
        if (c) {
          count++;
          out.push(withDefaults(c));
          if (out.length >= 256) {
            yield out;
            out = [];
          }
        }
      }
      if (out.length) yield out;
    }
  }

  async function* baseBatches(): AsyncIterable<EvalCase[]> {
    if (suite.cases.length)
      yield suite.cases.map((c) => withDefaults({ ...c, id: c.id ?? caseId(c.input, c.expected) }));
    for (const source of suite.sources) if (!('generate' in source)) yield* sourceBatches(source);
  }

  async function* baseCases(): AsyncIterable<EvalCase> {
    for await (const batch of baseBatches()) yield* batch;
  }

  async function* cases(): AsyncIterable<EvalCase> {
    const seen = new KeySet();
    const check = (c: EvalCase): EvalCase => {
      if (!seen.add(c.id)) {
        throw new PolytuneError('INVALID_INPUT', `Two cases share the id "${c.id}".`, {
          file: loaded.file,
          hint: 'Give every case a unique id; results and --resume are keyed by it.',
        });
      }
      return c;
    };
    for await (const batch of baseBatches()) for (const c of batch) yield check(c);
    for (const source of suite.sources) {
      if (!('generate' in source)) continue;
      const generators = resolveGenerators(source.generate);
      let used = 0;
      for await (const base of baseCases()) {
        if (!source.from.includes(base.category)) continue;
        if (source.rate < 1 && hashFraction(source.seed, base.id) >= source.rate) continue;
        if (source.limit !== undefined && used >= source.limit) break;
        used++;
        for (const generator of generators) {
          const derived = deriveCase(base, generator, source.seed, { labels, system: suite.system });
          // The same generator listed by two sources yields the same id; keep the first.
          if (derived && !seen.has(derived.id)) yield check(derived);
        }
      }
    }
  }

  async function count(): Promise<number | undefined> {
    let n = suite.cases.length;
    for (const source of suite.sources) {
      if (!('file' in source)) return undefined;
      const lines = await countContentLines(resolve(baseDir, source.file));
      if (lines === undefined) return undefined;
      n += lines;
    }
    return n;
  }

  return { labels, cases, count };
}

/** Lines with something other than whitespace (what readJsonLines yields), counted on the bytes. */
async function countContentLines(file: string): Promise<number | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch {
    return undefined; // the run reports the unreadable file
  }
  const decoder = new TextDecoder();
  let count = 0;
  // State of the line being scanned: 0 blank so far, 1 has content, 2 has non-ASCII bytes only (decide by decoding).
  let state = 0;
  let pending: Uint8Array[] = [];
  const endLine = () => {
    if (state === 1) count++;
    else if (state === 2) {
      // trim() also drops Unicode spaces (NBSP, BOM, …): decode to decide exactly.
      const bytes = Buffer.concat(pending);
      if (decoder.decode(bytes).trim()) count++;
    }
    state = 0;
    pending = [];
  };
  try {
    const buffer = Buffer.allocUnsafe(1 << 16);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      let lineStart = 0;
      for (let i = 0; i < bytesRead; i++) {
        const b = buffer[i] as number;
        // readline ends a line at \n, \r\n and a lone \r; the empty line between \r and \n is blank.
        if (b === 0x0a || b === 0x0d) {
          if (state === 2) pending.push(buffer.subarray(lineStart, i));
          endLine();
          lineStart = i + 1;
        } else if (state !== 1) {
          if (b >= 0x80) state = 2;
          else if (b !== 0x20 && b !== 0x09 && b !== 0x0b && b !== 0x0c) state = 1;
        }
      }
      if (state === 2) pending.push(Buffer.from(buffer.subarray(lineStart, bytesRead)));
    }
    endLine();
  } finally {
    await handle.close();
  }
  return count;
}
