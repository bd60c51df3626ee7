import { rm } from 'node:fs/promises';
import { writePreparedFixture } from '../helpers/prepared-fixture.js';
import { createInMemoryProvider } from '../jobs/in-memory-provider.js';
import { describeProviderConformance } from './provider-conformance.js';

// Proves the suite against the reference in-memory provider (the jobs core's test double).
describeProviderConformance('memory', async () => {
  const provider = createInMemoryProvider();
  const data = await writePreparedFixture({ providers: ['memory'] });
  return {
    provider,
    backend: provider.backend,
    spec: { provider: 'memory', baseModel: 'base-1', method: 'sft', hyperparameters: {} },
    data,
    cleanup: () => rm(data.dir, { recursive: true, force: true }),
  };
});
