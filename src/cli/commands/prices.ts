import type { Command } from 'commander';
import { PolytuneError } from '../../errors.js';
import { out } from '../output.js';
import { providerContext } from '../provider-settings.js';

/**
 * `polytune prices refresh`: reads on-demand instance prices from the
 * provider's own price API into a dated local cache that later estimates use
 * (SageMaker: the AWS Price List API, cached under the provider's cacheDir,
 * `.polytune/prices/` by default). The shipped, dated table stays the fallback.
 */
interface RefreshFlags {
  provider: string;
  region?: string;
  config?: string;
  ledgerDir?: string;
  json?: boolean;
}

/** What a provider that can refresh its price table offers (SageMaker today). */
interface PriceRefreshable {
  refreshPrices(): Promise<{ file: string; count: number; date: string }>;
}

async function refresh(flags: RefreshFlags): Promise<void> {
  const context = await providerContext(flags);
  const provider = (await context.provider(
    flags.provider,
    flags.region ? { region: flags.region } : {},
  )) as Partial<PriceRefreshable>;
  if (typeof provider.refreshPrices !== 'function') {
    throw new PolytuneError(
      'UNSUPPORTED',
      `The ${flags.provider} provider has no price API to refresh from.`,
      {
        hint: 'Its prices come from the dated table shipped with polytune; override them under prices.<provider> in polytune.config.',
      },
    );
  }
  const result = await provider.refreshPrices();
  if (flags.json) {
    out.json({ provider: flags.provider, ...result });
    return;
  }
  out.line(`Read ${result.count} ${flags.provider} instance prices (${result.date}) into ${result.file}`);
  if (result.count === 0) out.line('No prices matched: the shipped table stays in use.');
}

export function register(program: Command): void {
  const prices = program.command('prices').description('price tables: refresh them from the provider');
  prices
    .command('refresh')
    .description(
      'read current instance prices from the provider (SageMaker: AWS Price List API) into a dated cache',
    )
    .option('--provider <id>', 'provider whose prices to refresh', 'sagemaker')
    .option('--region <region>', 'region to read prices for (default: the provider setting / AWS_REGION)')
    .option('--config <file>', 'polytune.config file')
    .option('--ledger-dir <dir>', 'job ledger folder (default .polytune)')
    .option('--json', 'print the result as JSON')
    .action(async (flags: RefreshFlags) => refresh(flags));
}
