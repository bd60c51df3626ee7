/** The normalised lifecycle of a fine-tuning job on any provider. */
export const JOB_STATES = [
  'preparing',
  'queued',
  'validating',
  'running',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'cancelled']);

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.has(state);
}

/**
 * Maps a provider's raw status through its table. An unknown raw status maps to
 * `running` (non-terminal, so we keep polling) instead of crashing; the raw
 * string is always kept beside it as `rawState`.
 */
export function mapRawState(
  table: Readonly<Record<string, JobState>>,
  raw: string | undefined | null,
): JobState {
  if (raw == null) return 'preparing';
  return table[raw] ?? table[raw.toLowerCase()] ?? 'running';
}
