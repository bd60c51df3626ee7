import { startFaultServer } from '../../tests/helpers/fault-server.js';

/**
 * The fault-injecting OpenAI-compatible server in its own process, for the
 * load bench. Deterministic by prompt number n (`case <n>`): the first attempt
 * of about 5% of cases fails (2% 429 with Retry-After 0, 1% 503, 1% reset
 * mid-response, 1% malformed JSON); every later attempt answers `answer <n>`.
 * Prints its base URL on stdout.
 */
const attempts = new Map<number, number>();
const server = await startFaultServer({
  maxRequests: 10_000_000,
  lifetimeMs: 3_600_000,
  decide: ({ prompt }) => {
    const n = Number(/\d+/.exec(prompt)?.[0] ?? 0);
    const attempt = (attempts.get(n) ?? 0) + 1;
    attempts.set(n, attempt);
    if (attempt === 1) {
      const r = n % 100;
      if (r < 2) return { kind: 'status', status: 429, retryAfterSeconds: 0 };
      if (r < 3) return { kind: 'status', status: 503 };
      if (r < 4) return { kind: 'reset' };
      if (r < 5) return { kind: 'malformed-json' };
    }
    return { kind: 'ok', content: `answer ${n}` };
  },
});
// The helper counts requests per prompt for tests; here that map would only grow.
setInterval(() => server.requestsByPrompt.clear(), 1000).unref();
process.stdout.write(`${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
