import { z } from 'zod';
import { METHODS, type Method } from '../../src/jobs/job-spec.js';
import type { Issue, TunableModel } from '../../src/provider.js';
import { type CalendarEntry, OPENAI_MODEL_CALENDAR } from './openai-model-calendar.js';

/** Warn this many days before a model stops taking jobs. */
export const WARN_DAYS_BEFORE = 60;
const DAY_MS = 86_400_000;
const ISO_DAY = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');

/** One calendar entry from config (`providers.openai.calendar`): replaces the shipped entry with the same id. */
export const CalendarOverrideSchema = z
  .object({
    id: z.string().min(1),
    aliases: z.array(z.string().min(1)).optional(),
    methods: z.array(z.enum(METHODS)).min(1),
    newJobsUntil: ISO_DAY.optional(),
    shutdownAt: ISO_DAY.optional(),
    /** @default 'user config' */
    source: z.string().default('user config'),
    /** @default the day the config was written is unknown: 'user config' */
    date: z.string().default('user config'),
    notes: z.string().optional(),
  })
  .strict();
export type CalendarOverride = z.output<typeof CalendarOverrideSchema>;

/** How strictly the calendar applies: OpenAI itself (enforce), a compatible endpoint (warn), Azure (off). */
export type CalendarMode = 'enforce' | 'warn' | 'off';

export function mergeCalendar(overrides: CalendarOverride[] = []): CalendarEntry[] {
  const byId = new Map(OPENAI_MODEL_CALENDAR.map((e) => [e.id, e]));
  for (const o of overrides) byId.set(o.id, { ...o, sourcing: 'config' });
  return [...byId.values()];
}

/** The entry for a model id, alias, or `ft:` model (its base); undefined when the calendar does not list it. */
export function calendarEntryFor(calendar: CalendarEntry[], model: string): CalendarEntry | undefined {
  const base = model.startsWith('ft:') ? (model.split(':')[1] ?? model) : model;
  return calendar.find((e) => e.id === base || e.aliases?.includes(base));
}

/** The day that matters for new jobs: the end of new jobs, else the shutdown. */
function lastJobDay(entry: CalendarEntry): string | undefined {
  return entry.newJobsUntil ?? entry.shutdownAt;
}

/** True when `today` (ms) is past the last day the entry takes new jobs. */
function closed(entry: CalendarEntry, today: number): boolean {
  if (entry.shutdownAt && today >= Date.parse(entry.shutdownAt)) return true;
  // `newJobsUntil` is the last day jobs are accepted: closed from the next day on.
  return entry.newJobsUntil !== undefined && today >= Date.parse(entry.newJobsUntil) + DAY_MS;
}

const REFUSED_HINT =
  'Fine-tune on Azure OpenAI (`providers.openai.azure`), which keeps fine-tuning, or on another provider (--provider vertex|sagemaker|local-onnx). If OpenAI changed its plans, override the entry in config: `providers.openai.calendar`.';

/** Calendar problems for a job on `model` with `method`, as plan issues. `today` is in ms. */
export function calendarIssues(
  calendar: CalendarEntry[],
  model: string,
  method: Method,
  today: number,
  mode: CalendarMode,
): Issue[] {
  if (mode === 'off') return [];
  const severity = mode === 'enforce' ? 'error' : 'warning';
  const entry = calendarEntryFor(calendar, model);
  if (!entry) {
    const known = calendar.filter((e) => !closed(e, today)).map((e) => e.id);
    return [
      {
        severity,
        code: 'NOT_FINE_TUNABLE',
        message: `${model} is not in OpenAI's calendar of fine-tunable models (open now: ${known.join(', ') || 'none'}). Add it under \`providers.openai.calendar\` if OpenAI lists it.`,
      },
    ];
  }
  const sourced = `${entry.source}, read ${entry.date}${entry.sourcing === 'third-party' ? ', third-party report' : ''}`;
  if (closed(entry, today)) {
    const when =
      entry.shutdownAt && today >= Date.parse(entry.shutdownAt)
        ? `was shut down on ${entry.shutdownAt}`
        : `stopped taking new fine-tuning jobs after ${entry.newJobsUntil}`;
    return [
      { severity, code: 'MODEL_RETIRED', message: `${entry.id} ${when} (${sourced}). ${REFUSED_HINT}` },
    ];
  }
  const issues: Issue[] = [];
  if (!entry.methods.includes(method)) {
    issues.push({
      severity,
      code: 'METHOD_NOT_AVAILABLE',
      message: `OpenAI fine-tunes ${entry.id} with ${entry.methods.join(', ')}, not ${method} (${sourced}).`,
    });
  }
  const last = lastJobDay(entry);
  if (last && Date.parse(last) - today <= WARN_DAYS_BEFORE * DAY_MS) {
    const shutdown =
      entry.shutdownAt && entry.shutdownAt !== last
        ? `; the model and its fine-tunes shut down ${entry.shutdownAt}`
        : '';
    issues.push({
      severity: 'warning',
      code: 'MODEL_RETIRING',
      message: `${entry.id} takes new fine-tuning jobs until ${last}${shutdown} (${sourced}).`,
    });
  }
  return issues;
}

/** What can be fine-tuned on `today` (ms), for `polytune models`. */
export function tunableFromCalendar(calendar: CalendarEntry[], today: number): TunableModel[] {
  return calendar
    .filter((e) => !closed(e, today))
    .map((e) => ({
      id: e.id,
      methods: e.methods,
      source: e.sourcing === 'config' ? 'config' : 'calendar',
      sourceUrl: e.source,
      date: e.date,
      ...(lastJobDay(e) ? { shutdownAt: lastJobDay(e) } : {}),
      ...(e.notes || e.sourcing === 'third-party'
        ? {
            notes: [e.sourcing === 'third-party' ? 'dates from a third-party report' : '', e.notes ?? '']
              .filter(Boolean)
              .join('; '),
          }
        : {}),
    }));
}
