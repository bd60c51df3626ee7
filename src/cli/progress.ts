import { isInteractive, out } from './output.js';

/**
 * Progress for long steps (training, uploads): one live line on a terminal,
 * plain log lines when stderr is not a TTY or `CI` is set, so CI logs stay
 * readable. It writes through `out`, so text is redacted and control
 * characters from providers are shown inert. The core never draws anything.
 */
export interface ProgressCounts {
  done: number;
  total?: number;
  errors?: number;
  /** Extra text after the counts, e.g. `epoch 3/10 loss 0.412`. */
  detail?: string;
}

export interface Progress {
  update(counts: ProgressCounts): void;
  /** A line that stays (an epoch finished, a state changed). */
  log(line: string): void;
  finish(line?: string): void;
}

export interface ProgressOptions {
  label: string;
  /** @default isInteractive() */
  interactive?: boolean;
  /** Minimum milliseconds between plain status lines. @default 5000 */
  plainIntervalMs?: number;
  now?: () => number;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export function createProgress(options: ProgressOptions): Progress {
  const interactive = options.interactive ?? isInteractive();
  const now = options.now ?? Date.now;
  const plainInterval = options.plainIntervalMs ?? 5_000;
  const started = now();
  let lastPlain = Number.NEGATIVE_INFINITY;
  let live = false;

  const describe = (c: ProgressCounts): string => {
    const elapsed = now() - started;
    const rate = elapsed > 0 ? (c.done * 1000) / elapsed : 0;
    const parts = [options.label];
    if (c.total) parts.push(`${c.done}/${c.total}`, `${Math.floor((100 * c.done) / c.total)}%`);
    if (c.total && rate > 0) parts.push(`${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s`);
    if (c.total && rate > 0 && c.done < c.total)
      parts.push(`ETA ${formatDuration(((c.total - c.done) / rate) * 1000)}`);
    if (c.errors) parts.push(`${c.errors} errors`);
    if (c.detail) parts.push(c.detail);
    return parts.join('  ');
  };
  const clear = () => {
    if (live) out.endStatus();
    live = false;
  };

  return {
    update(counts) {
      if (interactive) {
        out.status(describe(counts).slice(0, (process.stderr.columns ?? 100) - 1));
        live = true;
        return;
      }
      const t = now();
      const finished = counts.total !== undefined && counts.done >= counts.total;
      if (t - lastPlain >= plainInterval || finished) {
        lastPlain = t;
        out.info(describe(counts));
      }
    },
    log(line) {
      clear();
      out.info(line);
    },
    finish(line) {
      clear();
      if (line) out.info(line);
    },
  };
}
