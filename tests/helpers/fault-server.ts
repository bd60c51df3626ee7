import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A fault-injecting OpenAI-compatible server on 127.0.0.1 for the eval
 * runner's reliability tests. It is bounded: it refuses requests beyond
 * `maxRequests`, and it closes itself after `lifetimeMs` even if a test forgets.
 *
 * The test decides, per request, what happens: a normal answer, a 429 burst
 * with Retry-After, 500/503, a connection reset mid-response, a hang past the
 * client's timeout, malformed JSON, or a truncated stream.
 */
export type Fault =
  | { kind: 'ok'; content: string }
  | { kind: 'status'; status: 429 | 500 | 502 | 503; retryAfterSeconds?: number }
  | { kind: 'reset' }
  | { kind: 'hang' }
  | { kind: 'malformed-json' }
  | { kind: 'truncated-stream'; content: string }
  /** Any status with a body of the test's choosing (e.g. an error that echoes the request's key). */
  | { kind: 'body'; status: number; body: string; headers?: Record<string, string> };

export interface FaultRequest {
  /** 0-based count of chat completion requests seen so far. */
  index: number;
  /** The last user message's text. */
  prompt: string;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}

export interface FaultServer {
  url: string;
  /** Chat completion requests seen, per prompt. */
  requestsByPrompt: Map<string, number>;
  totalRequests(): number;
  close(): Promise<void>;
}

export interface FaultServerOptions {
  decide(request: FaultRequest): Fault;
  /** @default 10_000 */
  maxRequests?: number;
  /** @default 60_000 */
  lifetimeMs?: number;
}

function lastUserText(body: Record<string, unknown>): string {
  const messages = (body.messages as { role: string; content: unknown }[] | undefined) ?? [];
  const user = [...messages].reverse().find((m) => m.role === 'user');
  return typeof user?.content === 'string' ? user.content : JSON.stringify(user?.content ?? '');
}

function completion(content: string, model: string) {
  return {
    id: 'chatcmpl-fault',
    object: 'chat.completion',
    created: 0,
    model,
    choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }],
    usage: { prompt_tokens: 10, completion_tokens: 2, total_tokens: 12 },
  };
}

export async function startFaultServer(options: FaultServerOptions): Promise<FaultServer> {
  const maxRequests = options.maxRequests ?? 10_000;
  const sockets = new Set<Socket>();
  const requestsByPrompt = new Map<string, number>();
  let count = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (!req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    if (count >= maxRequests) {
      res.writeHead(503).end();
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    const prompt = lastUserText(body);
    requestsByPrompt.set(prompt, (requestsByPrompt.get(prompt) ?? 0) + 1);
    const fault = options.decide({ index: count++, prompt, body, headers: req.headers });
    const model = String(body.model ?? 'fault-model');
    switch (fault.kind) {
      case 'ok':
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(completion(fault.content, model)));
        return;
      case 'status': {
        const headers: Record<string, string> = {};
        if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
        res.writeHead(fault.status, headers).end();
        return;
      }
      case 'reset':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
        res.write('{"id":"chatcmpl-fault","choi');
        setTimeout(() => req.socket.destroy(), 5);
        return;
      case 'hang':
        return; // never answers; the socket is destroyed at close()
      case 'malformed-json':
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"id": "x", "choices": [ {"message": ');
        return;
      case 'body':
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers }).end(fault.body);
        return;
      case 'truncated-stream': {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const half = fault.content.slice(0, Math.ceil(fault.content.length / 2));
        res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: half } }] })}\n\n`);
        setTimeout(() => req.socket.destroy(), 5);
        return;
      }
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    clearTimeout(lifetime);
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const lifetime = setTimeout(() => void close(), options.lifetimeMs ?? 60_000);
  lifetime.unref();

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requestsByPrompt,
    totalRequests: () => count,
    close,
  };
}
