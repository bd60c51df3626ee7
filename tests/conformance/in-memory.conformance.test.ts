import { writePreparedFixture } from '../helpers/prepared-fixture.js';
import { createInMemoryProvider } from '../jobs/in-memory-provider.js';
import { describeProviderConformance } from './provider-conformance.js';

// Proves the suite against the reference in-memory provider (the jobs core's test double).
describeProviderConformance('memory', async () => {
  const provider = createInMemoryProvider();
  return {
    provider,
    backend: provider.backend,
    spec: { provider: 'memory', baseModel: 'base-1', method: 'sft', hyperparameters: {} },
    data: await writePreparedFixture({ providers: ['memory'] }),
  };
});
