import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';

describe('progress', () => {
  afterEach(() => vi.restoreAllMocks());

  function capture(): string[] {
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    return written;
  }

  it('prints plain lines, throttled, with rate and ETA when not on a terminal', () => {
    const written = capture();
    let t = 0;
    const progress = createProgress({
      label: 'eval',
      interactive: false,
      plainIntervalMs: 5_000,
      now: () => t,
    });
    t = 1_000;
    progress.update({ done: 10, total: 100 });
    t = 2_000;
    progress.update({ done: 20, total: 100 }); // throttled
    t = 10_000;
    progress.update({ done: 100, total: 100, errors: 2 });
    expect(written).toEqual(['eval  10/100  10%  10/s  ETA 9s\n', 'eval  100/100  100%  10/s  2 errors\n']);
    expect(written.join('')).not.toContain('\x1b');
  });

  it('redraws one line on a terminal and ends it before a log line; provider text is inert', () => {
    const written = capture();
    const progress = createProgress({ label: 'training', interactive: true, now: () => 0 });
    progress.update({ done: 1, detail: 'epoch 1' });
    progress.log('epoch 1 done \x1b[2J');
    expect(written[0]).toMatch(/^\r\x1b\[2Ktraining {2}epoch 1$/);
    expect(written[1]).toBe('\r\x1b[2K');
    expect(written[2]).toBe('epoch 1 done \\x1b[2J\n');
  });
});
