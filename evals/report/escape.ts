import { formatUsd } from '../../src/cost/money.js';

/** Escaping for the text reports; every model output passes through one of these. */

// Characters XML 1.0 forbids (controls other than tab/newline/CR, lone surrogates, U+FFFE/U+FFFF).
const INVALID_XML =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * A table cell in GitHub markdown: one line, pipes escaped, HTML neutralised, shortened;
 * brackets escaped so model text cannot make a link or an image (which GitHub would fetch),
 * and control characters dropped.
 */
export function markdownCell(text: string, max = 160): string {
  const one = text
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const short = one.length > max ? `${one.slice(0, max)}…` : one;
  return escapeHtml(short)
    .replace(/\|/g, '\\|')
    .replace(/`/g, "'")
    .replace(/[[\]]/g, (c) => `\\${c}`);
}

export const percent = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`;
export const interval = (i: { low: number; high: number }) => `[${percent(i.low)}, ${percent(i.high)}]`;
export const money = formatUsd;
export const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);

/** Text of a case input for reports. */
export function inputText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (Array.isArray(input))
    return input
      .map((m: { role?: string; content?: string | null }) => `${m.role}: ${m.content ?? ''}`)
      .join('\n');
  return JSON.stringify(input);
}

/** A p-value as `p=0.034`, or `p<0.001` when it underflows two significant digits' use. */
export function pValue(p: number): string {
  return p < 0.001 ? 'p<0.001' : `p=${p.toPrecision(2)}`;
}
