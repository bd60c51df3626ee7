import { redact } from '../redact.js';

// C0 controls but tab and newline, DEL, and C1 controls: text from models and providers
// (error bodies, outputs in reasons) must not move the cursor, retitle or clear the terminal.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Redacts, then shows control characters as `\xNN` so they print as text. */
function safe(text: string): string {
  return redact(text).replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/**
 * The only place that writes to the terminal. Commands print through this so
 * secrets are redacted and `--json` output stays machine-readable.
 */
export const out = {
  line(text = ''): void {
    process.stdout.write(`${safe(text)}\n`);
  },
  json(value: unknown): void {
    process.stdout.write(`${redact(JSON.stringify(value, null, 2))}\n`);
  },
  error(text: string): void {
    process.stderr.write(`${safe(text)}\n`);
  },
  /** Progress and log lines go to stderr so stdout stays clean for `--json`. */
  info(text: string): void {
    process.stderr.write(`${safe(text)}\n`);
  },
  /** Redraws one live status line on stderr (terminals only; see `isInteractive`). */
  status(text: string): void {
    process.stderr.write(`\r\x1b[2K${safe(text)}`);
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

/**
 * Output to a closed pipe (`polytune … | head`) ends the process quietly with
 * the exit code it already has, as `cat` or `git log` do, instead of an
 * unhandled EPIPE stack trace. Other stream errors stay errors.
 */
export function endQuietlyOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    });
  }
}
