import type { Command } from 'commander';
import { providerIds } from '../../../providers/registry.js';
import { PolytuneError } from '../../errors.js';
import type { Provider, TunableModel } from '../../provider.js';
import { out } from '../output.js';
import { providerContext } from '../provider-settings.js';

/**
 * `polytune models --provider <id>`: what can be fine-tuned now, with where
 * polytune learned it (a hub, a dated table, the calendar, the config) and when.
 */
interface ModelsFlags {
  provider: string;
  json?: boolean;
  config?: string;
}

/** The provider's list, or a clear error for a provider that has none. */
export async function tunableModels(provider: Provider): Promise<TunableModel[]> {
  if (typeof provider.listTunableModels !== 'function') {
    throw new PolytuneError(
      'UNSUPPORTED',
      `The ${provider.id} provider cannot list its fine-tunable models.`,
      {
        hint: `Check the ${provider.id} documentation for the base models it tunes, and pass one with \`tune --base-model\`.`,
      },
    );
  }
  return provider.listTunableModels();
}

function printModels(providerId: string, models: TunableModel[]): void {
  if (models.length === 0) {
    out.line(`${providerId}: nothing can be fine-tuned now (per its list; see \`--json\` for the sources).`);
    return;
  }
  const rows = models.map((m) => [
    m.id,
    m.methods.join(','),
    m.shutdownAt ? `until ${m.shutdownAt}` : '',
    `${m.source}, ${m.date}`,
  ]);
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((r) => (r[c] as string).length)));
  for (const row of rows) {
    out.line(row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c] as number) : cell)).join('  '));
  }
  const sources = [...new Set(models.map((m) => m.sourceUrl).filter(Boolean))];
  for (const source of sources) out.line(`source: ${source}`);
  for (const m of models) if (m.notes) out.line(`note: ${m.id}: ${m.notes}`);
}

async function models(flags: ModelsFlags): Promise<void> {
  const context = await providerContext(flags);
  const provider = await context.provider(flags.provider);
  const list = await tunableModels(provider);
  if (flags.json) out.json({ provider: provider.id, models: list });
  else printModels(provider.id, list);
}

export function register(program: Command): void {
  program
    .command('models')
    .description('list the base models a provider can fine-tune now, with the source and date of the fact')
    .requiredOption('--provider <id>', `provider id (${providerIds().join(', ')})`)
    .option('--json', 'print the list as JSON')
    .option('--config <file>', 'polytune config file')
    .action((flags: ModelsFlags) => models(flags));
}
