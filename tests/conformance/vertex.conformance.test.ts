import { rm } from 'node:fs/promises';
import { createVertexProvider } from '../../providers/vertex/vertex-provider.js';
import { writePreparedFixture } from '../helpers/prepared-fixture.js';
import { useTestServer } from '../helpers/test-server.js';
import { BUCKET, createFakeVertex, PROJECT, testAuthClient } from '../providers/vertex/fake-vertex.js';
import { describeProviderConformance } from './provider-conformance.js';

const server = useTestServer();

describeProviderConformance('vertex', async () => {
  const fake = createFakeVertex();
  server.use(...fake.handlers);
  const data = await writePreparedFixture({ providers: ['vertex'] });
  return {
    provider: createVertexProvider({
      project: PROJECT,
      location: 'us-central1',
      bucket: BUCKET,
      authClient: testAuthClient(),
      retry: { retries: 3, baseDelayMs: 1, sleep: async () => {} },
    }),
    // google-gax asks for numeric enums, so an unknown status name decodes to the zero value.
    backend: Object.assign(fake.backend, { unknownRawStateSeenAs: 'JOB_STATE_UNSPECIFIED' }),
    spec: {
      provider: 'vertex',
      baseModel: 'gemini-2.5-flash',
      method: 'sft',
      hyperparameters: { epochs: 2 },
    },
    data,
    cleanup: () => rm(data.dir, { recursive: true, force: true }),
  };
});
