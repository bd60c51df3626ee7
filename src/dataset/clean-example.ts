import { hash } from 'node:crypto';
import { z } from 'zod';
import type { ChatMessage, Example } from './example.js';
import type { ExampleDraft } from './map-record.js';

export const CleanOptionsSchema = z.object({
  /**
   * Unicode normalisation form applied to every text field.
   * @default 'NFC'
   */
  unicode: z.enum(['NFC', 'NFKC', 'none']).default('NFC'),
  /**
   * `trim`: strip leading/trailing whitespace; `collapse`: also turn runs of
   * spaces/tabs into one space and 3+ newlines into two; `keep`: leave as is.
   * @default 'trim'
   */
  whitespace: z.enum(['trim', 'collapse', 'keep']).default('trim'),
});
export type CleanOptions = z.infer<typeof CleanOptionsSchema>;

// C0/C1 controls except tab and newline, zero-width no-break space (BOM), and lone surrogates are dropped.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFEFF]/g;
const NON_ASCII = /[^\u0000-\u007F]/;

/** Printable ASCII, tab and newline only: nothing to normalise, convert or strip. */
function isPlain(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 || c > 0x7e) && c !== 9 && c !== 10) return false;
  }
  return true;
}

export function cleanText(text: string, options: CleanOptions): string {
  if (options.whitespace !== 'collapse' && isPlain(text))
    return options.whitespace === 'trim' ? text.trim() : text;
  let s = text;
  if (options.unicode !== 'none' && NON_ASCII.test(s)) s = s.normalize(options.unicode);
  if (s.includes('\r')) s = s.replace(/\r\n?/g, '\n');
  s = s.replace(CONTROL, '');
  if (options.whitespace === 'collapse')
    s = s
      .replace(/[ \t]+/g, ' ')
      .replace(/ ?\n ?/g, '\n')
      .replace(/\n{3,}/g, '\n\n');
  if (options.whitespace !== 'keep') s = s.trim();
  return s;
}

/** Deep copy with object keys sorted, so plain JSON.stringify gives canonicalJson. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

function cleanMessage(m: ChatMessage, options: CleanOptions): ChatMessage {
  // Keys in sorted order: content, name, role, tool_call_id, tool_calls, weight.
  const out: Record<string, unknown> = { content: m.content === null ? null : cleanText(m.content, options) };
  if (m.name !== undefined) out.name = m.name;
  out.role = m.role;
  if (m.tool_call_id !== undefined) out.tool_call_id = m.tool_call_id;
  if (m.tool_calls !== undefined) out.tool_calls = sortKeys(m.tool_calls);
  if (m.weight !== undefined) out.weight = m.weight;
  return out as ChatMessage;
}

export interface CleanedExample {
  /** Content with keys sorted (no id/source/meta). */
  content: ExampleDraft;
  /** `canonicalJson(content)`, computed without the replacer's cost. */
  canonical: string;
  id: string;
  /** Why it is unusable after cleaning (empty text), if it is. */
  empty?: string;
}

/**
 * Cleans a draft and gives it its stable id. The content object is built with
 * sorted keys, so `JSON.stringify` equals `canonicalJson` and the id equals
 * `exampleId()` of the cleaned example.
 */
export function cleanExample(draft: ExampleDraft, options: CleanOptions): CleanedExample {
  let content: ExampleDraft;
  let empty: string | undefined;
  switch (draft.kind) {
    case 'chat': {
      const messages = draft.messages.map((m) => cleanMessage(m, options));
      const c: Record<string, unknown> = { kind: 'chat', messages };
      if (draft.parallel_tool_calls !== undefined) c.parallel_tool_calls = draft.parallel_tool_calls;
      if (draft.tools !== undefined) c.tools = sortKeys(draft.tools);
      content = c as ExampleDraft;
      const bad = messages.find((m) => m.content === '' && !m.tool_calls?.length);
      if (bad) empty = `a ${bad.role} message is empty after cleaning`;
      break;
    }
    case 'completion': {
      content = {
        completion: cleanText(draft.completion, options),
        kind: 'completion',
        prompt: cleanText(draft.prompt, options),
      } as ExampleDraft;
      if (content.kind === 'completion' && (!content.prompt || !content.completion))
        empty = `the ${content.prompt ? 'completion' : 'prompt'} is empty after cleaning`;
      break;
    }
    case 'classification': {
      content = {
        kind: 'classification',
        label: cleanText(draft.label, options),
        text: cleanText(draft.text, options),
      } as ExampleDraft;
      if (content.kind === 'classification' && (!content.text || !content.label))
        empty = `the ${content.text ? 'label' : 'text'} is empty after cleaning`;
      break;
    }
    case 'preference': {
      content = {
        input: draft.input.map((m) => cleanMessage(m, options)),
        kind: 'preference',
        nonPreferred: cleanText(draft.nonPreferred, options),
        preferred: cleanText(draft.preferred, options),
      } as ExampleDraft;
      if (content.kind === 'preference' && (!content.preferred || !content.nonPreferred))
        empty = 'an output is empty after cleaning';
      break;
    }
  }
  const canonical = JSON.stringify(content);
  // One-shot hash: no Hash object per example.
  const id = hash('sha256', canonical, 'hex').slice(0, 16);
  return { content, canonical, id, empty };
}

/** The example as written to the canonical split files: id first, then content, then source/meta. */
export function toExample(
  cleaned: CleanedExample,
  source: Example['source'],
  meta?: Record<string, unknown>,
): Example {
  const example = { id: cleaned.id, ...cleaned.content, source } as Example;
  if (meta && Object.keys(meta).length > 0) example.meta = meta;
  return example;
}

/**
 * `JSON.stringify(toExample(cleaned, source, meta))`, spliced from the
 * canonical content already serialised for the id instead of serialising the
 * whole example again.
 */
export function exampleLine(
  cleaned: CleanedExample,
  source: Example['source'],
  meta?: Record<string, unknown>,
): string {
  const tail = meta && Object.keys(meta).length > 0 ? `,"meta":${JSON.stringify(meta)}` : '';
  const src = source === undefined ? '' : `,"source":${JSON.stringify(source)}`;
  return `{"id":${JSON.stringify(cleaned.id)},${cleaned.canonical.slice(1, -1)}${src}${tail}}`;
}
