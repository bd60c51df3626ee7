import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describeZodIssues } from '../evals/suite-loader.js';
import { PolytuneError } from '../src/errors.js';
import { type LoadedSweep, type SweepInput, SweepSchema } from './sweep-schema.js';

/** Validates a sweep given as an object; relative paths resolve against `baseDir`. */
export function parseSweep(input: SweepInput | unknown, baseDir = process.cwd(), file?: string): LoadedSweep {
  const parsed = SweepSchema.safeParse(input);
  if (!parsed.success) {
    throw new PolytuneError('INVALID_INPUT', `Invalid sweep:\n${describeZodIssues(parsed.error)}`, {
      hint: 'Fix the fields listed above; sweep/sweep.schema.json describes every field.',
      file,
    });
  }
  return { sweep: parsed.data, baseDir, file };
}

/** Reads a sweep from a YAML (`.yaml`, `.yml`) or JSON file. */
export async function loadSweep(file: string): Promise<LoadedSweep> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new PolytuneError('INVALID_INPUT', `Cannot read sweep file ${file}.`, {
      hint: 'Pass an existing YAML or JSON sweep file.',
      cause,
      file,
    });
  }
  let data: unknown;
  try {
    data = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    const line = (cause as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new PolytuneError('INVALID_INPUT', `Sweep file is not valid: ${(cause as Error).message}`, {
      hint: 'Fix the syntax error at the position shown.',
      cause,
      file,
      line,
    });
  }
  return parseSweep(data, dirname(path), file);
}
