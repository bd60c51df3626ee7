import { dirname } from 'node:path';
import { describeZodIssues } from '../evals/suite-loader.js';
import { readDataFile } from '../src/config/read-data-file.js';
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
  const { data, path } = await readDataFile(file, 'sweep', 'Pass an existing YAML or JSON sweep file.');
  return parseSweep(data, dirname(path), file);
}
