import { beforeEach, describe, expect, it } from 'vitest';
import { invocationBody, parseGeneratedText } from '../../../providers/sagemaker/sagemaker-model.js';
import { createSageMakerProvider } from '../../../providers/sagemaker/sagemaker-provider.js';
import { isPolytuneError, type PolytuneError } from '../../../src/errors.js';
import { useTestServer } from '../../helpers/test-server.js';
import {
  BUCKET,
  createFakeAws,
  type FakeAws,
  fakeClients,
  REGION,
  ROLE_ARN,
  tempCacheDir,
} from './fake-aws.js';

const server = useTestServer();
let fake: FakeAws;
const ENDPOINT = 'my-endpoint';

beforeEach(() => {
  fake = createFakeAws();
  fake.endpoints.set(ENDPOINT, { config: ENDPOINT, status: 'InService', polls: 0 });
  server.use(...fake.handlers);
});

function provider() {
  return createSageMakerProvider({
    region: REGION,
    roleArn: ROLE_ARN,
    bucket: BUCKET,
    clients: fakeClients(),
    retry: { retries: 3, baseDelayMs: 1, maxDelayMs: 1 },
    sleep: async () => {},
    acceptEula: true,
    cacheDir: tempCacheDir(),
  });
}

describe('Model handle through InvokeEndpoint', () => {
  it('sends {"inputs", "parameters"} and reads the TGI list shape', async () => {
    const model = await provider().model(`sagemaker:${ENDPOINT}`);
    expect(model).toMatchObject({ id: `sagemaker:${ENDPOINT}`, provider: 'sagemaker' });
    const out = await model.generate({
      input: 'Say hi',
      maxTokens: 12,
      temperature: 0.6,
      topP: 0.9,
      stop: ['</s>'],
    });
    expect(out.text).toBe('fine-tuned answer');
    expect(out.latencyMs).toBeGreaterThanOrEqual(0);
    expect(fake.invocations[0]?.body).toEqual({
      inputs: 'Say hi',
      parameters: {
        max_new_tokens: 12,
        temperature: 0.6,
        top_p: 0.9,
        stop: ['</s>'],
        return_full_text: false,
      },
    });
    expect(fake.invocations[0]?.headers['content-type']).toBe('application/json');
  });

  it('reads the LMI object shape too', async () => {
    fake.invokeResponse = { generated_text: 'from LMI' };
    const model = await provider().model(ENDPOINT);
    expect((await model.generate({ input: 'x' })).text).toBe('from LMI');
  });

  it('renders chat messages with the Llama 3 template', () => {
    const body = invocationBody(
      {
        input: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
        temperature: 0,
      },
      'llama3',
    );
    expect(body.inputs).toBe(
      '<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n',
    );
    // Temperature 0 is greedy decoding, which TGI expresses as do_sample false.
    expect(body.parameters).toMatchObject({ do_sample: false });
    expect(body.parameters).not.toHaveProperty('temperature');
  });

  it('retries ModelNotReadyException and throttling, then answers', async () => {
    fake.failNext('InvokeEndpoint', 'model-not-ready');
    fake.failNext('InvokeEndpoint', 'throttle');
    const model = await provider().model(ENDPOINT);
    expect((await model.generate({ input: 'x' })).text).toBe('fine-tuned answer');
    expect(fake.invocations).toHaveLength(3);
  });

  it('reports ModelError with the container message and does not retry it', async () => {
    fake.failNext('InvokeEndpoint', 'model-error');
    const model = await provider().model(ENDPOINT);
    const error = (await model.generate({ input: 'x' }).catch((e: unknown) => e)) as PolytuneError;
    expect(isPolytuneError(error)).toBe(true);
    expect(error.code).toBe('PROVIDER');
    expect(error.isRetryable).toBe(false);
    expect(error.message).toContain('CUDA out of memory');
    expect(error.hint).toContain('CloudWatch');
    expect(fake.invocations).toHaveLength(1);
  });

  it('gives up after the retry budget on persistent throttling', async () => {
    fake.failNext('InvokeEndpoint', 'throttle', 10);
    const model = await provider().model(ENDPOINT);
    const error = (await model.generate({ input: 'x' }).catch((e: unknown) => e)) as PolytuneError;
    expect(error.code).toBe('RATE_LIMIT');
    expect(fake.invocations).toHaveLength(4); // 1 + 3 retries
  });

  it('refuses a handle for a missing endpoint, saying how to deploy', async () => {
    const error = (await provider()
      .model('sagemaker:nope')
      .catch((e: unknown) => e)) as PolytuneError;
    expect(error.code).toBe('NOT_FOUND');
    expect(error.hint).toContain('polytune deploy');
  });

  it('rejects an answer without generated_text', () => {
    expect(() => parseGeneratedText({ outputs: [] })).toThrow(/generated_text/);
    expect(parseGeneratedText([{ generated_text: 'a' }])).toBe('a');
  });
});
