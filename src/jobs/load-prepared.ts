import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { type PreparedData, PreparedManifestSchema } from '../dataset/prepared-manifest.js';
import { PolytuneError } from '../errors.js';

/** Reads `<dir>/manifest.json` of a prepared dataset folder, with errors that say what to run. */
export async function loadPreparedData(dirInput: string): Promise<PreparedData> {
  const dir = resolve(dirInput);
  const file = join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new PolytuneError('INVALID_INPUT', `${dir} is not a prepared dataset folder (no manifest.json).`, {
      file,
      hint: 'Run `polytune data prepare <file> --out <dir>` first, then pass that folder to --data.',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PolytuneError('INVALID_INPUT', `manifest.json is not valid JSON: ${(error as Error).message}`, {
      file,
      hint: 'Prepare the dataset again.',
    });
  }
  const parsed = PreparedManifestSchema.safeParse(json);
  if (!parsed.success) {
    throw new PolytuneError(
      'INVALID_INPUT',
      `manifest.json does not match this polytune version:\n${z.prettifyError(parsed.error)}`,
      { file, hint: 'Prepare the dataset again with this version of polytune.' },
    );
  }
  return { dir, manifest: parsed.data };
}
