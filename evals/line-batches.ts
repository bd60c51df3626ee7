import { open } from 'node:fs/promises';

/**
 * Reads a text file as batches of lines (one batch per 64 KiB read), split
 * where readline splits with `crlfDelay: Infinity`: at `\n`, `\r\n` and a
 * lone `\r`. Callers loop over a batch synchronously, so a suite of 100,000
 * cases costs a few hundred awaits instead of one (plus readline's regex
 * matches and string decoder) per line. Lines are decoded as UTF-8 whole, so a
 * character split across reads stays intact. Throws what `open` throws.
 */
export async function* readLineBatches(file: string, chunkSize = 1 << 16): AsyncIterable<string[]> {
  const handle = await open(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(chunkSize);
    let carry: Buffer | undefined; // the start of a line cut by the read
    let skipLf = false; // the last read ended in \r: a \n that starts the next belongs to it
    let sawAny = false;
    for (;;) {
      const { bytesRead } = await handle.read(chunk, 0, chunkSize, null);
      if (bytesRead === 0) break;
      sawAny = true;
      const lines: string[] = [];
      let start = 0;
      if (skipLf && chunk[0] === 0x0a) start = 1;
      skipLf = false;
      for (let i = start; i < bytesRead; i++) {
        const b = chunk[i];
        if (b !== 0x0a && b !== 0x0d) continue;
        if (carry) {
          lines.push(Buffer.concat([carry, chunk.subarray(start, i)]).toString('utf8'));
          carry = undefined;
        } else lines.push(chunk.toString('utf8', start, i));
        if (b === 0x0d) {
          if (i + 1 < bytesRead) {
            if (chunk[i + 1] === 0x0a) i++;
          } else skipLf = true;
        }
        start = i + 1;
      }
      if (start < bytesRead) {
        const rest = Buffer.from(chunk.subarray(start, bytesRead));
        carry = carry ? Buffer.concat([carry, rest]) : rest;
      }
      if (lines.length) yield lines;
    }
    // A last line without a newline is still a line; an empty file has none.
    if (carry && sawAny) yield [carry.toString('utf8')];
  } finally {
    await handle.close();
  }
}
