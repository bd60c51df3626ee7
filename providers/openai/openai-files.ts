import { readFile } from 'node:fs/promises';
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { PolytuneError } from '../../src/errors.js';
import { call } from './openai-errors.js';

type FileObject = OpenAI.Files.FileObject;

export interface UploadTarget {
  /** Role in the job: `train`, `validation`. */
  role: string;
  /** Absolute path of the compiled JSONL file. */
  path: string;
  sha256: string;
}

export interface FileUploadDeps {
  client: OpenAI;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  now(): number;
  pollIntervalMs: number;
  processingTimeoutMs: number;
  signal?: AbortSignal;
}

/** The uploaded file's name carries the content hash, so a later run finds it instead of uploading again. */
export function uploadFileName(target: Pick<UploadTarget, 'role' | 'sha256'>): string {
  return `polytune-${target.sha256.slice(0, 24)}-${target.role}.jsonl`;
}

// Enough pages to find our files among an organisation's recent uploads without walking years of them.
const MAX_LIST_PAGES = 10;

/** A fine-tune file already uploaded with this content (processed or still processing), if any. */
export async function findUploadedFile(
  deps: FileUploadDeps,
  target: UploadTarget,
): Promise<FileObject | undefined> {
  const name = uploadFileName(target);
  return call('list uploaded files', async () => {
    let page = await deps.client.files.list(
      { purpose: 'fine-tune', limit: 100, order: 'desc' },
      { signal: deps.signal },
    );
    for (let n = 0; n < MAX_LIST_PAGES; n++) {
      const hit = page.data.find((f) => f.filename === name && f.status !== 'error');
      if (hit) return hit;
      if (!page.hasNextPage()) return undefined;
      page = await page.getNextPage();
    }
    return undefined;
  });
}

/**
 * Uploads one compiled file with purpose `fine-tune`, deduplicated by content
 * hash, and waits until OpenAI has processed it. Safe to call again after a
 * failure: it looks for the file first.
 */
export async function uploadTrainingFile(
  deps: FileUploadDeps,
  target: UploadTarget,
): Promise<{ id: string; reused: boolean }> {
  const existing = await findUploadedFile(deps, target);
  let file = existing;
  if (!file) {
    const bytes = await readFile(target.path).catch((error: Error) => {
      throw new PolytuneError('INVALID_INPUT', `Cannot read the compiled file: ${error.message}`, {
        file: target.path,
        hint: 'Run `polytune data prepare` again for this provider.',
      });
    });
    const upload = await toFile(bytes, uploadFileName(target), { type: 'application/jsonl' });
    file = await call(`upload ${target.role} file`, () =>
      deps.client.files.create(
        { file: upload, purpose: 'fine-tune' },
        { signal: deps.signal, maxRetries: 0 },
      ),
    );
  }
  await waitUntilProcessed(deps, file, target);
  return { id: file.id, reused: existing !== undefined };
}

async function waitUntilProcessed(
  deps: FileUploadDeps,
  initial: FileObject,
  target: UploadTarget,
): Promise<void> {
  const started = deps.now();
  let file = initial;
  for (;;) {
    if (file.status === 'processed') return;
    if (file.status === 'error') {
      throw new PolytuneError(
        'INVALID_INPUT',
        `OpenAI could not process the ${target.role} file: ${file.status_details ?? 'no details given'}`,
        {
          file: target.path,
          hint: 'Fix the reported line(s) and prepare the dataset again.',
        },
      );
    }
    if (deps.now() - started > deps.processingTimeoutMs) {
      throw new PolytuneError('TIMEOUT', `OpenAI has not processed the ${target.role} file ${file.id} yet.`, {
        isRetryable: false,
        hint: 'Run the same command again later: the upload is reused, not repeated.',
      });
    }
    await deps.sleep(deps.pollIntervalMs, deps.signal);
    file = await call(`check the ${target.role} file`, () =>
      deps.client.files.retrieve(file.id, { signal: deps.signal }),
    );
  }
}
