import { createReadStream } from 'node:fs';
import { PolytuneError } from '../errors.js';
import type { RawRecord } from './raw-record.js';
import { MAX_LINE_CHARS } from './read-lines.js';

enum C {
  LF = 10,
  Quote = 34,
  Comma = 44,
  OpenBracket = 91,
  Backslash = 92,
  CloseBracket = 93,
  OpenBrace = 123,
  CloseBrace = 125,
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 0xfeff;
}

/**
 * A top-level JSON array, streamed: the scanner tracks nesting and strings and
 * hands each element to JSON.parse on its own, so memory holds one element,
 * never the whole file. Each record carries the line its element starts on.
 */
export async function* loadJsonArray(file: string): AsyncGenerator<RawRecord[]> {
  let state: 'start' | 'between' | 'element' | 'done' = 'start';
  let line = 1;
  let row = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  let pending = '';
  // Characters of the current element dropped because it outgrew MAX_LINE_CHARS (then only its length is kept).
  let dropped = 0;
  let elementLine = 0;
  let expectElement = false;

  const fail = (message: string): never => {
    throw new PolytuneError('INVALID_INPUT', message, {
      file,
      line,
      hint: 'Fix the JSON (or save the data as JSON Lines, one example per line).',
    });
  };

  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const text = chunk as string;
    const out: RawRecord[] = [];
    let start = state === 'element' ? 0 : -1;
    const finish = (end: number) => {
      const body = pending + text.slice(start, end);
      pending = '';
      start = -1;
      row++;
      if (dropped > 0) {
        const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} M`;
        out.push({
          ok: false,
          error: `element too long: ${mb(dropped + body.length)} characters, over the ${mb(MAX_LINE_CHARS)} limit for one record`,
          line: elementLine,
          row,
        });
        dropped = 0;
        return;
      }
      try {
        out.push({ ok: true, value: JSON.parse(body), line: elementLine, row });
      } catch (error) {
        out.push({ ok: false, error: `not valid JSON: ${(error as Error).message}`, line: elementLine, row });
      }
    };
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === C.LF) line++;
      switch (state) {
        case 'start':
          if (isSpace(c)) break;
          if (c !== C.OpenBracket) fail('expected a JSON array (`[ … ]`) at the top level');
          state = 'between';
          expectElement = true;
          break;
        case 'between':
          if (isSpace(c)) break;
          if (c === C.CloseBracket) {
            if (expectElement && row > 0) fail('trailing `,` before `]` (not allowed in JSON)');
            state = 'done';
            break;
          }
          if (c === C.Comma) {
            if (expectElement) fail('unexpected `,` in the top-level array');
            expectElement = true;
            break;
          }
          if (!expectElement) fail('expected `,` or `]` between array elements');
          expectElement = false;
          state = 'element';
          start = i;
          elementLine = line;
          depth = 0;
          inString = false;
          escaped = false;
          i--; // re-read this character as part of the element
          if (c === C.LF) line--;
          break;
        case 'element':
          if (inString) {
            if (escaped) escaped = false;
            else if (c === C.Backslash) escaped = true;
            else if (c === C.Quote) inString = false;
            break;
          }
          if (c === C.Quote) inString = true;
          else if (c === C.OpenBrace || c === C.OpenBracket) depth++;
          else if (c === C.CloseBrace || c === C.CloseBracket) {
            if (depth === 0) {
              // `]` closing the top-level array right after a scalar element.
              finish(i);
              state = 'done';
            } else depth--;
          } else if (c === C.Comma && depth === 0) {
            finish(i);
            state = 'between';
            expectElement = true;
          }
          break;
        case 'done':
          if (!isSpace(c)) fail('unexpected content after the end of the top-level array');
      }
    }
    if (state === 'element' && start >= 0) {
      pending += text.slice(start);
      if (pending.length > MAX_LINE_CHARS) {
        dropped += pending.length;
        pending = '';
      }
    }
    if (out.length > 0) yield out;
  }
  if ((state as string) !== 'done') fail('the JSON array is not closed (file ends early)');
}
