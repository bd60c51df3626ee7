/**
 * Money during a run: what finished trials actually cost (or their estimate,
 * when the provider reports no cost) plus the estimates of trials still
 * running. A new trial starts only if that sum plus its own estimate stays
 * within the cap, so the sweep never knowingly spends past it.
 */
export class SpendTracker {
  private settled = 0;
  private readonly running = new Map<string, number>();

  constructor(readonly cap: number) {}

  /** Actual and estimated spend of finished trials. */
  get spent(): number {
    return this.settled;
  }

  /** Estimates of trials that are running. */
  get committed(): number {
    let sum = 0;
    for (const amount of this.running.values()) sum += amount;
    return sum;
  }

  canStart(estimate: number): boolean {
    return this.settled + this.committed + estimate <= this.cap + 1e-9;
  }

  commit(trial: string, estimate: number): void {
    this.running.set(trial, estimate);
  }

  /** The trial ended: its estimate leaves `committed` and what it cost joins `spent`. */
  settle(trial: string, amount: number): void {
    this.running.delete(trial);
    this.settled += amount;
  }
}
