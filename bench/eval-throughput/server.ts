import { createServer } from 'node:http';

/**
 * A local OpenAI-compatible chat completions endpoint that answers every
 * request after a fixed delay. Runs in its own process on 127.0.0.1 and
 * prints its port on stdout.
 */
const latencyMs = Number(process.argv[2] ?? 20);

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    // The bench reads this process's own peak RSS, to show it is not in the contenders' figures.
    res.end(JSON.stringify({ peakRssMb: process.resourceUsage().maxRSS / 1024 }));
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let content = 'ok';
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
        messages?: { content?: string }[];
      };
      // Echo the case's number so graders have something to check: "case 17" → "answer 17".
      content = `answer ${/\d+/.exec(body.messages?.at(-1)?.content ?? '')?.[0] ?? '0'}`;
    } catch {
      // not JSON: answer anyway
    }
    setTimeout(() => {
      const payload = JSON.stringify({
        id: 'chatcmpl-bench',
        object: 'chat.completion',
        created: 0,
        model: 'bench-model',
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 8, completion_tokens: 2, total_tokens: 10 },
      });
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      });
      res.end(payload);
    }, latencyMs);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
