import { providerEntry, providerIds } from '../../providers/registry.js';
import { type LoadedConfig, ledgerDirFor, loadConfig, providerSettings } from '../config/load-config.js';
import { PolytuneError } from '../errors.js';
import { JobLedger } from '../jobs/job-ledger.js';
import type { Provider } from '../provider.js';
import { out } from './output.js';

/**
 * How the CLI builds a provider: the config file's `providers.<id>` section and
 * `prices.<id>` overrides, then flags on top; credentials come from each
 * provider's environment. Also opens the ledger the flags or config name.
 */
export interface ProviderContextFlags {
  /** `--config <file>`; else polytune.config.* found by walking up. */
  config?: string;
  /** `--ledger-dir <dir>`; else config `ledgerDir`, else `.polytune`. */
  ledgerDir?: string;
}

export interface ProviderContext {
  config: LoadedConfig;
  ledger: JobLedger;
  provider(id: string, flagSettings?: Record<string, unknown>): Promise<Provider>;
}

export async function providerContext(flags: ProviderContextFlags): Promise<ProviderContext> {
  const config = await loadConfig(flags.config ? { explicitFile: flags.config } : {});
  const ledger = new JobLedger({
    dir: ledgerDirFor(config, flags.ledgerDir),
    onProblem: (problem) =>
      out.error(`warning: skipped unreadable job record ${problem.file}: ${problem.message}`),
  });
  const cache = new Map<string, Provider>();
  return {
    config,
    ledger,
    async provider(id, flagSettings = {}) {
      const cached = cache.get(id);
      if (cached) return cached;
      const entry = providerEntry(id);
      if (!entry) {
        throw new PolytuneError('USAGE', `Unknown provider ${JSON.stringify(id)}.`, {
          hint: `Use one of: ${providerIds().join(', ') || '(none registered)'}.`,
        });
      }
      const provider = await entry.create(providerSettings(config, id, flagSettings));
      cache.set(id, provider);
      return provider;
    },
  };
}
