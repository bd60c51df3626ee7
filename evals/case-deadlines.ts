import { setMaxListeners } from 'node:events';
import { PolytuneError } from '../src/errors.js';

/** The timeout of one case: pass `signal` to the model; call `done` when the case ends. */
export interface CaseDeadline {
  signal: AbortSignal;
  /** The case's own time ran out (not the run's signal). */
  timedOut(): boolean;
  /** The timeout error, once `timedOut()`. */
  reason(): unknown;
  done(): void;
}

interface Slice {
  controller: AbortController;
  signal: AbortSignal;
  timer: ReturnType<typeof setTimeout>;
  open: number;
}

/**
 * Per-case timeouts without an AbortController, timer and combined signal per
 * case (each AbortSignal costs tens of microseconds on Node 20). Cases whose
 * deadlines fall in the same slice of time share one signal that fires at the
 * end of the slice, so a case gets at least `timeoutMs` and at most
 * `timeoutMs + sliceMs`. A slice is dropped, timer included, when its last
 * case ends, so abort listeners that HTTP clients leave on the signal go with it.
 */
export class CaseDeadlines {
  private readonly slices = new Map<number, Slice>();
  readonly sliceMs: number;

  constructor(
    readonly timeoutMs: number,
    private readonly parent?: AbortSignal,
    sliceMs?: number,
  ) {
    this.sliceMs = sliceMs ?? Math.min(1000, Math.max(1, Math.floor(timeoutMs / 20)));
  }

  start(): CaseDeadline {
    const now = Date.now();
    const end = Math.ceil((now + this.timeoutMs) / this.sliceMs);
    let slice = this.slices.get(end);
    if (!slice) slice = this.open(end, end * this.sliceMs - now);
    slice.open++;
    const s = slice;
    let ended = false;
    return {
      signal: s.signal,
      timedOut: () => s.controller.signal.aborted && !this.parent?.aborted,
      reason: () => s.controller.signal.reason,
      done: () => {
        if (ended) return;
        ended = true;
        if (--s.open === 0) this.close(end, s);
      },
    };
  }

  /** Clears every timer (the run is over). */
  dispose(): void {
    for (const [end, slice] of this.slices) this.close(end, slice);
  }

  private open(end: number, delayMs: number): Slice {
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new PolytuneError('TIMEOUT', `The case took longer than ${this.timeoutMs} ms.`, {
            isRetryable: false,
          }),
        ),
      delayMs,
    );
    const signal = this.parent ? AbortSignal.any([this.parent, controller.signal]) : controller.signal;
    // Every case in flight in this slice may listen (a model's request, a retry wait): not a leak.
    setMaxListeners(0, signal);
    const slice: Slice = { controller, signal, timer, open: 0 };
    this.slices.set(end, slice);
    return slice;
  }

  private close(end: number, slice: Slice): void {
    clearTimeout(slice.timer);
    if (this.slices.get(end) === slice) this.slices.delete(end);
  }
}
