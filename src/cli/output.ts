import { redact } from '../redact.js';

/**
 * The only place that writes to the terminal. Commands print through this so
 * secrets are redacted and `--json` output stays machine-readable.
 */
export const out = {
  line(text = ''): void {
    process.stdout.write(`${redact(text)}\n`);
  },
  json(value: unknown): void {
    process.stdout.write(`${redact(JSON.stringify(value, null, 2))}\n`);
  },
  error(text: string): void {
    process.stderr.write(`${redact(text)}\n`);
  },
  /** Progress and log lines go to stderr so stdout stays clean for `--json`. */
  info(text: string): void {
    process.stderr.write(`${redact(text)}\n`);
  },
  /** Redraws one live status line on stderr (terminals only; see `isInteractive`). */
  status(text: string): void {
    process.stderr.write(`\r\x1b[2K${redact(text)}`);
  },
  /** Ends a live status line so the next output starts on a fresh line. */
  endStatus(): void {
    process.stderr.write('\r\x1b[2K');
  },
};

/** True when progress may be drawn live (a terminal, not CI). */
export function isInteractive(): boolean {
  return Boolean(process.stderr.isTTY) && !process.env.CI;
}
