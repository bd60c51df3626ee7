import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { PolytuneError } from '../errors.js';

/**
 * Reads a YAML (`.yaml`, `.yml`) or JSON file that a zod schema will check
 * next (suites, sweeps, thresholds): a missing file or a syntax error becomes
 * one INVALID_INPUT error naming the file, and the line where YAML reports one.
 */
export async function readDataFile(
  file: string,
  what: string,
  hint: string,
): Promise<{ data: unknown; path: string }> {
  const path = resolve(file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new PolytuneError('INVALID_INPUT', `Cannot read ${what} file ${file}.`, { hint, cause, file });
  }
  const json = extname(path) === '.json';
  try {
    return { data: json ? JSON.parse(text) : parseYaml(text), path };
  } catch (cause) {
    const line = (cause as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw new PolytuneError(
      'INVALID_INPUT',
      `${what[0]!.toUpperCase()}${what.slice(1)} file is not valid ${json ? 'JSON' : 'YAML'}: ${(cause as Error).message}`,
      { hint: 'Fix the syntax error at the position shown.', cause, file, line },
    );
  }
}
