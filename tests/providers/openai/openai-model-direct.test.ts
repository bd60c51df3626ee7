import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { createOpenAIProvider } from '../../../providers/openai/openai-provider.js';

/**
 * The OpenAI Model's direct route (node:http, no SDK per call) against a real
 * server on 127.0.0.1: what it sends, and that its failures carry the codes an
 * SDK call would.
 */

interface Seen {
  url: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server?.closeAllConnections();
  server = undefined;
});

async function serve(
  handle: (seen: Seen, res: ServerResponse) => void,
): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const listening = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = {
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>,
      };
      seen.push(entry);
      handle(entry, res);
    });
  });
  server = listening;
  await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(listening.address() as AddressInfo).port}/v1`, seen };
}

const completion = (content: string) =>
  JSON.stringify({
    id: 'c',
    object: 'chat.completion',
    created: 0,
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 },
  });

const modelAt = async (baseURL: string, extra: Record<string, unknown> = {}) =>
  createOpenAIProvider({ apiKey: 'sk-direct-route-test-000000', baseURL, ...extra }).model('gpt-4o-mini');

describe('OpenAI Model over node:http', () => {
  it('posts the chat request with the key, organisation and project, and reads text and usage', async () => {
    const { url, seen } = await serve((_, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(completion('Paris')),
    );
    const model = await modelAt(url, { organization: 'org-1', project: 'proj-1' });
    const out = await model.generate({ input: 'France?', temperature: 0, maxTokens: 5, seed: 3 });
    expect(out).toMatchObject({ text: 'Paris', usage: { inputTokens: 5, outputTokens: 1 } });
    expect(seen[0]?.url).toBe('/v1/chat/completions');
    expect(seen[0]?.headers['user-agent'], 'the direct route, not the SDK').toMatch(/polytune/);
    expect(seen[0]?.headers).toMatchObject({
      authorization: 'Bearer sk-direct-route-test-000000',
      'openai-organization': 'org-1',
      'openai-project': 'proj-1',
      'content-type': 'application/json',
    });
    expect(seen[0]?.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'France?' }],
      temperature: 0,
      max_completion_tokens: 5,
      seed: 3,
    });
  });

  it('decodes a compressed answer', async () => {
    const { url } = await serve((_, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
        .end(gzipSync(completion('Rome'))),
    );
    expect((await (await modelAt(url)).generate({ input: 'Italy?' })).text).toBe('Rome');
  });

  it('hands a redirecting endpoint to the SDK, which follows it', async () => {
    const { url, seen } = await serve((entry, res) => {
      if (entry.url.startsWith('/v1/')) res.writeHead(307, { location: '/moved/chat/completions' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(completion('Berlin'));
    });
    const model = await modelAt(url);
    expect((await model.generate({ input: 'Germany?' })).text).toBe('Berlin');
    expect((await model.generate({ input: 'Germany?' })).text).toBe('Berlin');
    expect(seen.map((s) => s.url)).toEqual([
      '/v1/chat/completions',
      '/v1/chat/completions',
      '/moved/chat/completions',
      '/v1/chat/completions',
      '/moved/chat/completions',
    ]);
  });

  it('maps statuses as the SDK does: 429 with Retry-After is RATE_LIMIT, 401 is AUTH', async () => {
    let status = 429;
    const { url } = await serve((_, res) =>
      res
        .writeHead(status, { 'content-type': 'application/json', 'retry-after': '2' })
        .end(JSON.stringify({ error: { message: 'slow down', type: 'requests' } })),
    );
    const model = await modelAt(url);
    await expect(model.generate({ input: 'x' })).rejects.toMatchObject({
      code: 'RATE_LIMIT',
      isRetryable: true,
      retryAfterMs: 2000,
    });
    status = 401;
    await expect(model.generate({ input: 'x' })).rejects.toMatchObject({ code: 'AUTH' });
  });

  it("a request past the client's timeout is a retryable TIMEOUT; the caller's abort is CANCELLED", async () => {
    const { url } = await serve(() => undefined); // never answers
    const slow = await modelAt(url, { requestTimeoutMs: 50 });
    await expect(slow.generate({ input: 'x' })).rejects.toMatchObject({ code: 'TIMEOUT', isRetryable: true });
    const patient = await modelAt(url, { requestTimeoutMs: 60_000 });
    const controller = new AbortController();
    const pending = patient.generate({ input: 'x' }, controller.signal);
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('a body cut off mid-way or not JSON is a retryable PROVIDER error, never an answer', async () => {
    let mode = 'cut';
    const { url } = await serve((_, res) => {
      if (mode === 'cut') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
        res.write('{"id":"c","choi');
        setTimeout(() => res.socket?.destroy(), 5);
      } else res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": [');
    });
    const model = await modelAt(url);
    await expect(model.generate({ input: 'x' })).rejects.toMatchObject({
      code: 'PROVIDER',
      isRetryable: true,
      message: expect.stringMatching(/broke off mid-response/),
    });
    mode = 'bad';
    await expect(model.generate({ input: 'x' })).rejects.toMatchObject({
      code: 'PROVIDER',
      isRetryable: true,
      message: expect.stringMatching(/not valid JSON/),
    });
  });
});
