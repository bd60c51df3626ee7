import type { RequestHandler } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';

/**
 * One msw server per test file, in strict mode: any request without a handler
 * fails the test. The callback form is used because msw's `'error'` string lets
 * URLs ending in `.json`, `.csv`, … through, and SDKs swallow and retry errors,
 * so we record unhandled requests and fail in `afterEach`.
 *
 *   const server = useTestServer(http.post('https://api.openai.com/v1/files', …));
 *   server.use(…)            // per-test overrides
 *   server.captured           // every request body seen, in order
 */
export interface CapturedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export function useTestServer(...handlers: RequestHandler[]) {
  const server = setupServer(...handlers);
  const unhandled: string[] = [];
  const captured: CapturedRequest[] = [];

  server.events.on('request:start', async ({ request }) => {
    if (request.url.startsWith('data:')) return;
    const body = await request
      .clone()
      .text()
      .catch(() => '');
    captured.push({
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers.entries()),
      body,
    });
  });

  beforeAll(() =>
    server.listen({
      onUnhandledRequest(request, print) {
        // The openai SDK fetches `data:,` to probe FormData support; 127.0.0.1 servers are the tests' own.
        const url = new URL(request.url);
        if (url.protocol === 'data:' || url.hostname === '127.0.0.1') return;
        unhandled.push(`${request.method} ${request.url}`);
        print.error();
      },
    }),
  );
  afterEach(() => {
    server.resetHandlers();
    captured.length = 0;
    const seen = unhandled.splice(0);
    expect(seen, 'requests without an msw handler (no test may reach the network)').toEqual([]);
  });
  afterAll(() => server.close());

  return Object.assign(server, { captured, unhandled });
}
