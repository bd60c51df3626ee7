/**
 * The one rule for money in polytune. Amounts are kept in USD to a millionth
 * (per-request inference costs are fractions of a cent, and sums of rounded
 * cents drift), and shown to the cent, or with two significant digits below a
 * cent so a small cost never reads as $0.00.
 */
export function roundUsd(amount: number): number {
  return Math.round(amount * 1e6) / 1e6;
}

/** `$12.35`, `$0.0042`, `$0`. */
export function formatUsd(amount: number): string {
  if (amount === 0) return '$0';
  return `$${amount > 0 && amount < 0.01 ? amount.toPrecision(2) : amount.toFixed(2)}`;
}
