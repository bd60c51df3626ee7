import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
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
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new PolytuneError('INVALID_INPUT', `Cannot read suite file ${file}.`, {
      hint: 'Pass an existing YAML or JSON suite with --suite.',
      cause,
      file,
    });
  }
  let data: unknown;
  try {
    data = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    const line = (cause as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new PolytuneError(
      'INVALID_INPUT',
      `Suite file is not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(cause as Error).message}`,
      {
        hint: 'Fix the syntax error at the position shown.',
        cause,
        file,
        line,
      },
    );
  }
  return parseSuite(data, dirname(path), file);
}
