import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import { PolytuneError } from '../errors.js';
import type { InputFormat } from './raw-record.js';

/**
 * The input format, from the extension when it is telling and from the first
 * non-blank character otherwise (`[` → JSON array, `{` → JSON Lines, else CSV).
 */
export async function detectFormat(file: string): Promise<InputFormat> {
  const ext = extname(file).toLowerCase();
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new PolytuneError('INVALID_INPUT', `cannot read ${file}: ${(error as Error).message}`, {
      file,
      cause: error,
      hint: 'Check the path.',
    });
  }
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const bytes = buffer.subarray(0, bytesRead);
    // UTF-16 (with or without a BOM) shows up as NUL bytes between ASCII characters.
    if (
      (bytes[0] === 0xff && bytes[1] === 0xfe) ||
      (bytes[0] === 0xfe && bytes[1] === 0xff) ||
      (bytesRead > 1 && (bytes[0] === 0 || bytes[1] === 0))
    ) {
      throw new PolytuneError('INVALID_INPUT', 'the file looks like UTF-16; polytune reads UTF-8', {
        file,
        line: 1,
        hint: 'Convert it, e.g. `iconv -f UTF-16 -t UTF-8 in > out`.',
      });
    }
    const head = bytes.toString('utf8').replace(/^\uFEFF/, '');
    const first = head.trimStart()[0];
    if (first !== undefined) {
      if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
      if (ext === '.csv') return 'csv';
      if (ext === '.tsv') return 'tsv';
    }
    if (first === '[') return 'json';
    if (first === '{') return 'jsonl';
    if (first === undefined) {
      throw new PolytuneError('INVALID_INPUT', 'the file is empty', {
        file,
        hint: 'Give a file with examples.',
      });
    }
    const firstLine = head.split('\n')[0] ?? '';
    return firstLine.includes('\t') && !firstLine.includes(',') ? 'tsv' : 'csv';
  } finally {
    await handle.close();
  }
}
