import { createHash } from 'node:crypto';

/** The label that carries polytune's job key on a tuning job. */
export const KEY_LABEL = 'polytune-key';

/**
 * Label values are at most 63 characters of lowercase letters, digits, `_`
 * and `-` (the TuningJob docs say 64; GenerateContent says 63, so use the
 * lower). polytune's keys (32 hex digits) fit as they are; any other key is
 * replaced by a hash of itself, so the mapping stays one-to-one and stable.
 */
export function keyLabelValue(key: string): string {
  if (/^[a-z0-9_-]{1,63}$/.test(key)) return key;
  return `h-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;
}

/** The list filter that finds jobs carrying a key (AIP-160 label syntax). */
export function keyFilter(key: string): string {
  return `labels.${KEY_LABEL}="${keyLabelValue(key)}"`;
}
