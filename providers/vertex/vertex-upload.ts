import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Storage } from '@google-cloud/storage';
import { PolytuneError } from '../../src/errors.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import { isRetryableGoogleError, toPolytuneError } from './vertex-errors.js';

export interface UploadedFile {
  /** `train` or `validation`. */
  name: string;
  sha256: string;
  uri: string;
  /** False when an object with this content was already in the bucket. */
  uploaded: boolean;
}

export interface UploadTarget {
  storage: Storage;
  bucket: string;
  prefix: string;
  resumableThresholdBytes: number;
  retry: RetryOptions;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Object name for a file's content: the same bytes always land on the same object. */
export function objectNameFor(prefix: string, sha256: string): string {
  const clean = prefix.replace(/^\/+|\/+$/g, '');
  return `${clean ? `${clean}/` : ''}data/${sha256}.jsonl`;
}

function statusOf(error: unknown): number | undefined {
  const e = error as { code?: unknown; response?: { status?: unknown } };
  if (typeof e?.code === 'number') return e.code;
  return typeof e?.response?.status === 'number' ? e.response.status : undefined;
}

/**
 * Uploads one compiled file under a content-addressed name, unless an object
 * with that name and size is already there. The hash is recomputed from the
 * bytes on disk, so a file edited after `data prepare` is caught here.
 */
export async function uploadCompiledFile(
  target: UploadTarget,
  localPath: string,
  name: string,
  expectedSha256: string,
): Promise<UploadedFile> {
  const [size, sha256] = await Promise.all([
    stat(localPath).then(
      (s) => s.size,
      (cause: unknown) => {
        throw new PolytuneError('INVALID_INPUT', `Cannot read the compiled ${name} file ${localPath}.`, {
          hint: 'Run `polytune data prepare` again to write the vertex files.',
          cause,
          file: localPath,
        });
      },
    ),
    sha256Of(localPath).catch(() => ''),
  ]);
  if (sha256 !== expectedSha256) {
    throw new PolytuneError(
      'INVALID_INPUT',
      `${localPath} changed after it was prepared (its sha256 differs from manifest.json).`,
      {
        hint: 'Run `polytune data prepare` again; never edit the compiled files by hand.',
        file: localPath,
      },
    );
  }
  const objectName = objectNameFor(target.prefix, sha256);
  const file = target.storage.bucket(target.bucket).file(objectName);
  const uri = `gs://${target.bucket}/${objectName}`;
  const retry = { ...target.retry, isRetryable: isRetryableGoogleError };

  const existing = await withRetry(async () => {
    try {
      const [metadata] = await file.getMetadata();
      return metadata;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw toPolytuneError(error, `reading ${uri}`);
    }
  }, retry);
  if (existing && Number(existing.size) === size) return { name, sha256, uri, uploaded: false };

  await withRetry(async () => {
    try {
      await target.storage.bucket(target.bucket).upload(localPath, {
        destination: objectName,
        resumable: size > target.resumableThresholdBytes,
        contentType: 'application/jsonl',
        validation: 'crc32c',
        // Only create: a racing upload of the same content wins, and that is fine.
        preconditionOpts: existing ? {} : { ifGenerationMatch: 0 },
        metadata: { metadata: { sha256, source: path.basename(localPath), createdBy: 'polytune' } },
      });
    } catch (error) {
      if (statusOf(error) === 412) return;
      throw toUploadError(error, uri);
    }
  }, retry);
  return { name, sha256, uri, uploaded: true };
}

function toUploadError(error: unknown, uri: string): PolytuneError {
  const status = statusOf(error);
  if (status === 403 || status === 401) {
    return new PolytuneError(
      status === 401 ? 'AUTH' : 'PERMISSION',
      `Cloud Storage refused the upload to ${uri}.`,
      {
        hint: 'Grant the caller roles/storage.objectAdmin on the bucket (or objectCreator + objectViewer).',
        cause: error,
      },
    );
  }
  if (status === 404) {
    return new PolytuneError('NOT_FOUND', `The bucket of ${uri} does not exist.`, {
      hint: 'Create it in the tuning region (`gcloud storage buckets create gs://<bucket> --location=<location>`) or set vertex.bucket.',
      cause: error,
    });
  }
  return toPolytuneError(error, `uploading ${uri}`);
}
