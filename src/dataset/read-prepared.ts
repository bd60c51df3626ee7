import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { PolytuneError } from '../errors.js';
import { type Example, ExampleSchema } from './example.js';
import { hashFile } from './line-writer.js';
import { type PreparedData, PreparedManifestSchema } from './prepared-manifest.js';
import { readLineBatches } from './read-lines.js';

/**
 * Opens a prepared folder: reads and validates `manifest.json` and checks that
 * every file it lists is there (and, with `verify`, that its sha256 matches).
 */
export async function readPrepared(dir: string, options: { verify?: boolean } = {}): Promise<PreparedData> {
  const root = resolve(dir);
  const manifestPath = join(root, 'manifest.json');
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch (error) {
    throw new PolytuneError('INVALID_INPUT', `${dir} is not a prepared dataset folder (no manifest.json)`, {
      file: manifestPath,
      cause: error,
      hint: 'Run `polytune data prepare <file> --out <dir>` first.',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PolytuneError('INVALID_INPUT', `manifest.json is not valid JSON: ${(error as Error).message}`, {
      file: manifestPath,
      cause: error,
      hint: 'Prepare the dataset again; never edit the manifest by hand.',
    });
  }
  const parsed = PreparedManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new PolytuneError(
      'INVALID_INPUT',
      `manifest.json does not match the prepared-folder schema:\n${z.prettifyError(parsed.error)}`,
      { file: manifestPath, hint: 'Prepare the dataset again with this version of polytune.' },
    );
  }
  const manifest = parsed.data;
  const files = [
    manifest.splits.train,
    manifest.splits.validation,
    manifest.splits.test,
    ...Object.values(manifest.compiled).flatMap((c) => [
      c.train,
      ...(c.validation ? [c.validation] : []),
      ...c.extra,
    ]),
  ];
  for (const f of files) {
    const path = join(root, f.file);
    try {
      await stat(path);
    } catch {
      throw new PolytuneError('INVALID_INPUT', `the prepared folder lacks ${f.file}`, {
        file: path,
        hint: 'Prepare the dataset again.',
      });
    }
    if (options.verify && (await hashFile(path)) !== f.sha256) {
      throw new PolytuneError('INVALID_INPUT', `${f.file} changed since it was prepared (sha256 differs)`, {
        file: path,
        hint: 'Prepare the dataset again; never edit prepared files by hand.',
      });
    }
  }
  return { dir: root, manifest };
}

/** Streams canonical examples from a JSONL file (a prepared split), validating each line. */
export async function* readExamples(file: string): AsyncGenerator<Example> {
  try {
    await stat(file);
  } catch (error) {
    throw new PolytuneError('INVALID_INPUT', `cannot read ${file}`, {
      file,
      cause: error,
      hint: 'Check the path.',
    });
  }
  for await (const { firstLine, lines } of readLineBatches(file)) {
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i]!;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (error) {
        throw new PolytuneError('INVALID_INPUT', `not valid JSON: ${(error as Error).message}`, {
          file,
          line: firstLine + i,
          hint: 'Canonical example files are written by `polytune data prepare`; prepare again.',
        });
      }
      const parsed = ExampleSchema.safeParse(value);
      if (!parsed.success) {
        throw new PolytuneError(
          'INVALID_INPUT',
          `not a canonical example:\n${z.prettifyError(parsed.error)}`,
          {
            file,
            line: firstLine + i,
            hint: 'Run `polytune data prepare` to turn raw data into canonical examples.',
          },
        );
      }
      yield parsed.data;
    }
  }
}
