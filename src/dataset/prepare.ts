import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { PolytuneError } from '../errors.js';
import { writeJsonAtomic } from '../files/write-atomic.js';
import type { DatasetCompiler } from './compiler.js';
import { unsupportedKindMessage } from './compiler.js';
import type { DatasetIssue } from './dataset-issue.js';
import type { DatasetStats } from './dataset-stats.js';
import { datasetFindings } from './dataset-warnings.js';
import { checkLeakage } from './leakage-check.js';
import { forEachLineBytes, hashFile, LineWriter } from './line-writer.js';
import { openRecords } from './load-records.js';
import type { CompiledFiles, LeakagePair, PreparedManifest } from './prepared-manifest.js';
import { type ResolvedMapping, resolveMapping } from './presets.js';
import { readExamples } from './read-prepared.js';
import { type ScanResult, scanDataset } from './scan-dataset.js';
import { ScanOptionsSchema } from './scan-options.js';
import { planSplit, SPLIT_NAMES } from './split-plan.js';
import { TOKENIZER } from './token-count.js';
import { billingEstimate, tokenDistribution } from './token-stats.js';

export const PrepareOptionsSchema = ScanOptionsSchema.extend({
  /** The raw dataset file (JSONL, JSON array, CSV or TSV). */
  file: z.string(),
  /** The prepared folder to write. */
  out: z.string(),
  /**
   * Split seed: the same input and seed give byte-identical files.
   * @default 42
   */
  seed: z.number().int().min(0).default(42),
  /**
   * Train / validation / test ratios.
   * @default [0.7, 0.2, 0.1]
   */
  split: z.tuple([z.number().min(0), z.number().min(0), z.number().min(0)]).default([0.7, 0.2, 0.1]),
  /**
   * `fail` on any invalid record (nothing is written), or `drop` invalid records
   * with their reason and line in the manifest.
   * @default 'fail'
   */
  onInvalid: z.enum(['fail', 'drop']).default('fail'),
  /**
   * True when the caller named the providers: one that cannot take the kind is
   * an error. Otherwise such providers are skipped with a warning.
   * @default false
   */
  providersRequested: z.boolean().default(false),
});

export type PrepareOptions = z.input<typeof PrepareOptionsSchema> & {
  /** Compilers to run (from `providers/compilers.ts`); none writes only the canonical splits. */
  compilers?: readonly DatasetCompiler[];
};

export interface PrepareResult {
  dir: string;
  manifest: PreparedManifest;
  stats: DatasetStats;
  leakage: LeakagePair[];
  /** Dataset-level warnings (token limits, rare labels, …) and record-level ones, capped per code. */
  warnings: DatasetIssue[];
  /** Every warning counted, by code (`warnings` holds at most `maxIssuesPerCode` of each). */
  warningCounts: Record<string, number>;
  /** Worker threads that did the per-example work (`workers` option), and batches done on the main thread instead. */
  threads: ScanResult['threads'];
}

/** Resolves the preset from the first parseable record, before anything is written. */
async function peekMapping(
  file: string,
  opts: z.output<typeof ScanOptionsSchema>,
): Promise<ResolvedMapping | undefined> {
  const { batches } = await openRecords(file, opts.format);
  try {
    for await (const batch of batches) {
      const first = batch.find((r) => r.ok);
      if (first?.ok) {
        const v = first.value;
        const keys = new Set(v && typeof v === 'object' && !Array.isArray(v) ? Object.keys(v) : []);
        try {
          return resolveMapping(keys, opts);
        } catch (error) {
          if (error instanceof PolytuneError) {
            throw new PolytuneError(error.code, error.message, { file, line: first.line, hint: error.hint });
          }
          throw error;
        }
      }
    }
  } finally {
    await batches.return(undefined);
  }
  return undefined;
}

/** Copies line i of `from` into `writers[assign[i]]` as bytes (undefined writers skip the line). */
async function route(from: string, assign: Uint8Array, writers: (LineWriter | undefined)[]): Promise<void> {
  let i = 0;
  await forEachLineBytes(
    from,
    (bytes, start, end) => {
      if (end - start > 1) writers[assign[i++]!]?.writeBytes(bytes, start, end, 1);
    },
    async () => {
      for (const w of writers) await w?.flushIfFull();
    },
  );
}

/**
 * Loads, validates, cleans, dedupes, splits and compiles a dataset into a
 * prepared folder (`train/validation/test.jsonl`, `<provider>/…`,
 * `manifest.json`). Two streaming passes: the first keeps a few numbers per
 * example and writes kept examples (canonical and compiled) to temp files; the
 * second routes those lines into their splits. Memory does not hold example
 * bodies.
 */
export async function prepareDataset(options: PrepareOptions): Promise<PrepareResult> {
  const { compilers: allCompilers = [], ...rest } = options;
  const opts = PrepareOptionsSchema.parse(rest);
  const file = opts.file;
  const outDir = resolve(opts.out);
  if (opts.split[0] <= 0) {
    throw new PolytuneError('USAGE', 'the training share of the split must be above 0', {
      hint: 'For example split [0.8, 0.1, 0.1].',
    });
  }

  const mapping = await peekMapping(file, opts);
  const warnings: DatasetIssue[] = [];
  let compilers = [...allCompilers];
  if (mapping) {
    const unsupported = compilers.filter((c) => !c.kinds.includes(mapping.kind));
    if (unsupported.length > 0 && opts.providersRequested) {
      throw new PolytuneError('INVALID_INPUT', unsupportedKindMessage(unsupported[0]!, mapping.kind), {
        file,
        hint: `Drop ${unsupported.map((c) => c.provider).join(', ')} from --provider, or give data of a kind it takes.`,
      });
    }
    for (const c of unsupported) {
      warnings.push({
        severity: 'warning',
        code: 'unsupported_kind',
        message: `${unsupportedKindMessage(c, mapping.kind)}; not compiled`,
        file,
        provider: c.provider,
      });
    }
    compilers = compilers.filter((c) => c.kinds.includes(mapping.kind));
  }

  const work = await mkdtemp(join(tmpdir(), 'polytune-prepare-'));
  const keptPath = join(work, 'kept.jsonl');
  const kept = new LineWriter(keptPath, { hash: false });
  const syncCompilers = compilers.filter((c) => c.compileExample);
  const compiledTemp = new Map(
    syncCompilers.map((c) => [
      c.provider,
      new LineWriter(join(work, `${c.provider}.jsonl`), { hash: false }),
    ]),
  );
  const compiledWriters = syncCompilers.map((c) => compiledTemp.get(c.provider)!);
  // Frees the near-duplicate index's temp file, on success or failure.
  let release = (): void => undefined;
  try {
    const scan = await scanDataset(file, opts, {
      hashSource: true,
      compilers: syncCompilers,
      onKept: (example) => example.writeTo(kept, compiledWriters),
      async afterBatch() {
        await kept.flushIfFull();
        for (const w of compiledTemp.values()) await w.flushIfFull();
      },
    });
    release = () => scan.nearIndex?.release();
    await kept.close();
    for (const w of compiledTemp.values()) await w.close();

    if (scan.errors > 0 && opts.onInvalid === 'fail') {
      const first = scan.issues.find((i) => i.severity === 'error');
      throw new PolytuneError(
        'INVALID_INPUT',
        `${scan.errors} invalid record(s); first: ${first?.message ?? 'see data check'}`,
        {
          file,
          line: first?.line,
          hint: 'Run `polytune data check` to list them, fix them, or pass --drop-invalid to drop them (with reasons in the manifest).',
        },
      );
    }
    if (scan.counts.kept === 0) {
      throw new PolytuneError('INVALID_INPUT', `no usable examples (${scan.counts.read} read, all dropped)`, {
        file,
        hint: 'Run `polytune data check` to see why each record was dropped.',
      });
    }

    const assign = planSplit(scan.strata, scan.strataNames, opts.split, opts.seed);
    const threshold = opts.dedupe.nearDuplicateThreshold;
    const leakage = threshold < 1 ? checkLeakage(scan, assign, threshold) : [];
    release();

    // Pass 2: route into the prepared folder.
    await mkdir(outDir, { recursive: true });
    const splitWriters = SPLIT_NAMES.map((s) => new LineWriter(join(outDir, `${s}.jsonl`)));
    await route(keptPath, assign, splitWriters);
    const splitFiles = await Promise.all(splitWriters.map((w) => w.close()));
    const splits = Object.fromEntries(
      SPLIT_NAMES.map((s, k) => [
        s,
        { file: `${s}.jsonl`, count: splitFiles[k]!.count, sha256: splitFiles[k]!.sha256 },
      ]),
    ) as PreparedManifest['splits'];

    const compiled: Record<string, CompiledFiles> = {};
    for (const c of compilers) {
      const dir = join(outDir, c.provider);
      await mkdir(dir, { recursive: true });
      const train = new LineWriter(join(dir, 'train.jsonl'));
      const validation = new LineWriter(join(dir, 'validation.jsonl'));
      const temp = compiledTemp.get(c.provider);
      if (temp) await route(temp.path, assign, [train, validation, undefined]);
      else {
        for (const [k, w] of [train, validation].entries()) {
          for await (const line of c.compile(readExamples(join(outDir, `${SPLIT_NAMES[k]}.jsonl`)))) {
            w.write(line);
            await w.flushIfFull();
          }
        }
      }
      const t = await train.close();
      const v = await validation.close();
      const extra = [];
      for (const [name, content] of Object.entries(c.extraFiles?.(scan.mapping.kind) ?? {})) {
        await writeFile(join(dir, name), content);
        extra.push({ file: `${c.provider}/${name}`, count: 1, sha256: await hashFile(join(dir, name)) });
      }
      compiled[c.provider] = {
        train: { file: `${c.provider}/train.jsonl`, ...t },
        validation: v.count > 0 ? { file: `${c.provider}/validation.jsonl`, ...v } : undefined,
        extra,
      };
      if (v.count === 0) await rm(join(dir, 'validation.jsonl'), { force: true });
    }

    const trainTokens: number[] = [];
    const validationTokens: number[] = [];
    for (let i = 0; i < assign.length; i++) {
      if (assign[i] === 0) trainTokens.push(scan.tokens[i]!);
      else if (assign[i] === 1) validationTokens.push(scan.tokens[i]!);
    }
    const stats: DatasetStats = {
      kind: scan.mapping.kind,
      examples: {
        train: splits.train.count,
        validation: splits.validation.count,
        test: splits.test.count,
        total: scan.counts.kept,
      },
      tokens: {
        tokenizer: TOKENIZER,
        approximate: false,
        train: tokenDistribution(trainTokens),
        validation: validationTokens.length > 0 ? tokenDistribution(validationTokens) : undefined,
      },
      labels: scan.labels,
    };
    const providerStats = Object.fromEntries(
      compilers.map((c) => [
        c.provider,
        {
          approximateTokens: c.limits?.approximateTokens ?? true,
          maxTokensPerExample: c.limits?.maxTokensPerExample,
          billing:
            c.limits?.maxTokensPerExample !== undefined
              ? billingEstimate(trainTokens, c.limits.maxTokensPerExample)
              : undefined,
          note: c.limits?.note,
        },
      ]),
    );
    warnings.push(
      ...scan.issues.filter((i) => i.severity === 'warning'),
      ...datasetFindings(scan, compilers, undefined).filter((i) => i.severity === 'warning'),
    );

    const manifest: PreparedManifest = {
      version: 1,
      createdBy: 'polytune data prepare',
      kind: scan.mapping.kind,
      seed: opts.seed,
      split: opts.split,
      source: { file, sha256: scan.sourceSha256 ?? '' },
      counts: scan.counts,
      splits,
      compiled,
      dropped: scan.dropped,
      stats: { ...stats, providers: providerStats, preset: scan.mapping.preset, format: scan.format },
      labels: scan.labels ? Object.keys(scan.labels).sort() : undefined,
      leakage,
    };
    const manifestPath = join(outDir, 'manifest.json');
    await writeJsonAtomic(manifestPath, manifest);
    const warningCounts: Record<string, number> = {};
    for (const w of warnings) warningCounts[w.code] = (warningCounts[w.code] ?? 0) + 1;
    for (const code of Object.keys(warningCounts)) {
      warningCounts[code] = Math.max(warningCounts[code]!, scan.issueCounts[code] ?? 0);
    }
    return { dir: outDir, manifest, stats, leakage, warnings, warningCounts, threads: scan.threads };
  } finally {
    release();
    kept.abort();
    for (const w of compiledTemp.values()) w.abort();
    await rm(work, { recursive: true, force: true });
  }
}
