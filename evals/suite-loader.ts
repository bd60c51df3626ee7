import { dirname } from 'node:path';
import type { z } from 'zod';
import { readDataFile } from '../src/config/read-data-file.js';
import { PolytuneError } from '../src/errors.js';
import { type LoadedSuite, type SuiteInput, SuiteSchema } from './suite.js';

/** Lists every schema problem as `path: message`, one per line. */
export function describeZodIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('\n');
}

/** Validates a suite given as an object (a TypeScript suite); relative paths resolve against `baseDir`. */
export function parseSuite(input: SuiteInput | unknown, baseDir = process.cwd(), file?: string): LoadedSuite {
  const parsed = SuiteSchema.safeParse(input);
  if (!parsed.success) {
    throw new PolytuneError('INVALID_INPUT', `Invalid suite:\n${describeZodIssues(parsed.error)}`, {
      hint: 'Fix the fields listed above; evals/suite.schema.json describes every field.',
      file,
    });
  }
  return { suite: parsed.data, baseDir, file };
}

/** Reads a suite from a YAML (`.yaml`, `.yml`) or JSON file. */
export async function loadSuite(file: string): Promise<LoadedSuite> {
  const { data, path } = await readDataFile(
    file,
    'suite',
    'Pass an existing YAML or JSON suite with --suite.',
  );
  return parseSuite(data, dirname(path), file);
}
