import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Storage } from '@google-cloud/storage';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { PolytuneError } from '../../src/errors.js';
import type { SubmitContext } from '../../src/provider.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import { exchangeOf, isRetryableGoogleError, toPolytuneError } from './vertex-errors.js';
import { GEMINI_LIMITS } from './vertex-validate.js';

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
  const http = exchangeOf(error);
  if (status === 403 || status === 401) {
    return new PolytuneError(
      status === 401 ? 'AUTH' : 'PERMISSION',
      `Cloud Storage refused the upload to ${uri}.`,
      {
        hint: 'Grant the caller roles/storage.objectAdmin on the bucket (or objectCreator + objectViewer).',
        cause: error,
        ...(http ? { http } : {}),
      },
    );
  }
  if (status === 404) {
    return new PolytuneError('NOT_FOUND', `The bucket of ${uri} does not exist.`, {
      hint: 'Create it in the tuning region (`gcloud storage buckets create gs://<bucket> --location=<location>`) or set vertex.bucket.',
      cause: error,
      ...(http ? { http } : {}),
    });
  }
  return toPolytuneError(error, `uploading ${uri}`);
}

export interface PreparedUploadTarget extends Omit<UploadTarget, 'bucket'> {
  bucket?: string;
}

/** Uploads the compiled Vertex files of a prepared dataset, reporting each to the submit context. */
export async function uploadPreparedData(
  data: PreparedData,
  ctx: SubmitContext,
  target: PreparedUploadTarget,
): Promise<{ train: UploadedFile; validation?: UploadedFile }> {
  const { bucket } = target;
  if (!bucket) {
    throw new PolytuneError('INVALID_INPUT', 'No Cloud Storage bucket is set for Vertex AI uploads.', {
      hint: 'Set `vertex.bucket` in polytune.config or POLYTUNE_VERTEX_BUCKET (a bucket in the tuning region).',
    });
  }
  const compiled = data.manifest.compiled.vertex;
  if (!compiled) {
    throw new PolytuneError('INVALID_INPUT', `${data.dir} has no compiled Vertex AI files.`, {
      hint: 'Run `polytune data prepare` with the vertex provider selected.',
    });
  }
  const result: { train?: UploadedFile; validation?: UploadedFile } = {};
  for (const name of ['train', 'validation'] as const) {
    const file = compiled[name];
    if (!file) continue;
    const local = path.resolve(data.dir, file.file);
    await refuseOversized(local, file.file);
    const uploaded = await uploadCompiledFile({ ...target, bucket }, local, name, file.sha256);
    result[name] = uploaded;
    await ctx.onUpload?.({ name, sha256: uploaded.sha256, remoteId: uploaded.uri });
    ctx.onEvent?.({
      id: `upload:${name}:${uploaded.sha256}`,
      at: new Date().toISOString(),
      kind: 'log',
      level: 'info',
      message: uploaded.uploaded
        ? `uploaded ${name} to ${uploaded.uri}`
        : `${name} already in ${uploaded.uri}`,
    });
  }
  return result as { train: UploadedFile; validation?: UploadedFile };
}

async function refuseOversized(local: string, name: string): Promise<void> {
  const size = await stat(local).then(
    (s) => s.size,
    () => -1,
  );
  if (size > GEMINI_LIMITS.maxFileBytes) {
    throw new PolytuneError(
      'INVALID_INPUT',
      `${name} is ${(size / 1024 ** 3).toFixed(2)} GB; Vertex AI takes JSONL files up to 1 GB.`,
      { hint: 'Train on fewer or shorter examples.', file: local },
    );
  }
}
