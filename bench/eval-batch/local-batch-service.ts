import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local OpenAI-compatible service with the Files and Batch APIs (and chat
 * completions, for lines sent online), written for the `--batch` benchmark and
 * the batch tests. One handler (WHATWG Request → Response) serves msw in tests
 * and a node:http server on 127.0.0.1 in the benchmark.
 *
 * A batch is `validating` when created, `in_progress` at its first retrieve,
 * and `completed` at the next, when every line is answered: into the output
 * file, or into the error file for the custom ids listed in `failLines`.
 */
export interface LocalBatch extends Record<string, unknown> {
  id: string;
  status: string;
  input_file_id: string;
  metadata: Record<string, string> | null;
  request_counts: { total: number; completed: number; failed: number };
  output_file_id: string | null;
  error_file_id: string | null;
}

export interface ChatBody {
  model: string;
  messages: { role: string; content: string }[];
}

export class LocalBatchService {
  files = new Map<string, { meta: Record<string, unknown>; content: string }>();
  batches: LocalBatch[] = [];
  /** Parsed bodies of every `POST /batches`, for contract checks. */
  createBodies: unknown[] = [];
  chatCalls = 0;
  /** Custom ids whose line the service fails (it writes them to the error file). */
  failLines = new Set<string>();
  /** When set, every batch ends in this status (`expired`, `failed`) without answering. */
  endAs?: 'expired' | 'failed';
  /** The answer to a chat request; by default the last user message's digits. */
  answer: (body: ChatBody) => string = (body) =>
    (body.messages.at(-1)?.content ?? '').replace(/\D+/g, '') || 'no digits';
  private seq = 0;
  private clock = 1_767_225_600;

  private id(prefix: string): string {
    this.seq += 1;
    return `${prefix}_${String(this.seq).padStart(6, '0')}`;
  }

  private completion(body: ChatBody) {
    const text = this.answer(body);
    return {
      id: this.id('chatcmpl'),
      object: 'chat.completion',
      created: this.clock,
      model: body.model,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 },
    };
  }

  private storeFile(content: string, filename: string, purpose: string): Record<string, unknown> {
    const meta = {
      id: this.id('file'),
      object: 'file',
      bytes: Buffer.byteLength(content),
      created_at: this.clock,
      filename,
      purpose,
      status: 'processed',
    };
    this.files.set(meta.id, { meta, content });
    return meta;
  }

  /** Answers every line of the batch's input file; failed lines go to the error file. */
  private run(batch: LocalBatch): void {
    const input = this.files.get(batch.input_file_id)?.content ?? '';
    const out: string[] = [];
    const errors: string[] = [];
    for (const text of input.split('\n')) {
      if (!text.trim()) continue;
      const line = JSON.parse(text) as { custom_id: string; body: ChatBody };
      if (this.failLines.has(line.custom_id)) {
        errors.push(
          JSON.stringify({
            id: this.id('batch_req'),
            custom_id: line.custom_id,
            response: {
              status_code: 500,
              request_id: this.id('req'),
              body: {
                error: { code: 'server_error', message: 'The server had an error processing your request.' },
              },
            },
            error: null,
          }),
        );
        continue;
      }
      out.push(
        JSON.stringify({
          id: this.id('batch_req'),
          custom_id: line.custom_id,
          response: { status_code: 200, request_id: this.id('req'), body: this.completion(line.body) },
          error: null,
        }),
      );
    }
    batch.request_counts = {
      total: out.length + errors.length,
      completed: out.length,
      failed: errors.length,
    };
    if (out.length)
      batch.output_file_id = this.storeFile(`${out.join('\n')}\n`, 'output.jsonl', 'batch_output')
        .id as string;
    if (errors.length)
      batch.error_file_id = this.storeFile(`${errors.join('\n')}\n`, 'errors.jsonl', 'batch_output')
        .id as string;
    batch.status = 'completed';
  }

  /** What the Batch API refuses at create (CreateBatchRequest; input file uploaded with purpose `batch`). */
  private refuseCreate(body: Record<string, unknown>): string | undefined {
    if (body.completion_window !== '24h') return 'completion_window must be 24h';
    if (body.endpoint !== '/v1/chat/completions')
      return `endpoint ${String(body.endpoint)} is not served here`;
    const file = this.files.get(String(body.input_file_id));
    if (!file) return `No such File object: ${String(body.input_file_id)}`;
    if (file.meta.purpose !== 'batch') return 'The input file must be uploaded with purpose batch';
    return undefined;
  }

  /** What the service's validation step fails a batch for: unique custom ids, one model, the batch's endpoint. */
  private validateInput(batch: LocalBatch): string | undefined {
    const ids = new Set<string>();
    const models = new Set<string>();
    for (const text of (this.files.get(batch.input_file_id)?.content ?? '').split('\n')) {
      if (!text.trim()) continue;
      const line = JSON.parse(text) as { custom_id?: string; method?: string; url?: string; body?: ChatBody };
      if (!line.custom_id || ids.has(line.custom_id))
        return `custom_id missing or repeated: ${line.custom_id}`;
      ids.add(line.custom_id);
      if (line.method !== 'POST' || line.url !== batch.endpoint)
        return `line ${line.custom_id} is not POST ${String(batch.endpoint)}`;
      models.add(String(line.body?.model));
    }
    if (ids.size === 0) return 'The input file is empty';
    return models.size > 1 ? 'A batch input file may only hold requests to one model' : undefined;
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname.replace(/^.*?\/v1/, '');
    const json = (value: unknown, status = 200) => Response.json(value, { status });
    this.clock += 1;
    if (request.method === 'POST' && path === '/files') {
      const form = await request.formData();
      const file = form.get('file') as File;
      return json(this.storeFile(await file.text(), file.name, String(form.get('purpose'))));
    }
    const content = path.match(/^\/files\/([^/]+)\/content$/);
    if (request.method === 'GET' && content) {
      const file = this.files.get(content[1] as string);
      return file ? new Response(file.content) : json({ error: { message: 'No such file' } }, 404);
    }
    if (request.method === 'POST' && path === '/batches') {
      const body = (await request.json()) as Record<string, unknown>;
      this.createBodies.push(body);
      const refused = this.refuseCreate(body);
      if (refused) return json({ error: { type: 'invalid_request_error', message: refused } }, 400);
      const batch: LocalBatch = {
        id: this.id('batch'),
        object: 'batch',
        endpoint: body.endpoint,
        errors: null,
        input_file_id: String(body.input_file_id),
        completion_window: body.completion_window,
        status: 'validating',
        output_file_id: null,
        error_file_id: null,
        created_at: this.clock,
        request_counts: { total: 0, completed: 0, failed: 0 },
        metadata: (body.metadata as Record<string, string> | undefined) ?? null,
      };
      this.batches.push(batch);
      return json(batch);
    }
    if (request.method === 'GET' && path === '/batches') {
      // Newest first, as the API lists them.
      const data = [...this.batches].reverse();
      return json({
        object: 'list',
        data,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: false,
      });
    }
    const one = path.match(/^\/batches\/([^/]+)$/);
    if (request.method === 'GET' && one) {
      const batch = this.batches.find((b) => b.id === one[1]);
      if (!batch) return json({ error: { message: 'No such batch' } }, 404);
      if (batch.status === 'validating') {
        const problem = this.validateInput(batch);
        batch.status = problem ? 'failed' : 'in_progress';
        if (problem) batch.errors = { object: 'list', data: [{ code: 'invalid_request', message: problem }] };
      } else if (batch.status === 'in_progress') {
        if (this.endAs) batch.status = this.endAs;
        else this.run(batch);
      }
      return json(batch);
    }
    if (request.method === 'POST' && path === '/chat/completions') {
      this.chatCalls++;
      return json(this.completion((await request.json()) as ChatBody));
    }
    return json({ error: { message: `No route ${request.method} ${path}` } }, 404);
  }

  /** Serves the handler on 127.0.0.1; resolves with the base URL (`…/v1`). */
  async listen(): Promise<{ baseURL: string; server: Server }> {
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const request = new Request(`http://127.0.0.1${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        ...(body && req.method !== 'GET' ? { body } : {}),
      });
      const response = await this.handle(request);
      res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
      res.end(Buffer.from(await response.arrayBuffer()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { baseURL: `http://127.0.0.1:${port}/v1`, server };
  }
}
