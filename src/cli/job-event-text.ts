import type { JobEvent } from '../provider.js';

/** ` loss=0.4120 epoch=3` for an event's metrics (metric events already say them in the message). */
export function eventMetricsText(event: JobEvent): string {
  if (!event.metrics || event.kind === 'metric') return '';
  return ` ${Object.entries(event.metrics)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`)
    .join(' ')}`;
}
