import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { CompiledFiles, PreparedData } from '../../src/dataset/prepared-manifest.js';
import { PolytuneError } from '../../src/errors.js';
import type { SubmitContext } from '../../src/provider.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import { awsErrorName, toPolytuneError } from './sagemaker-errors.js';

/** Where the compiled data landed: the channel prefixes CreateTrainingJob reads. */
export interface UploadedData {
  /** Content hash naming the S3 prefix (over every uploaded file's sha256). */
  contentHash: string;
  trainUri: string;
  validationUri?: string;
  /** Files uploaded now; the rest already existed. */
  uploaded: string[];
  skipped: string[];
}

export interface UploadOptions {
  s3: S3Client;
  bucket: string;
  prefix: string;
  multipartThresholdBytes: number;
  retry: RetryOptions;
}

export function compiledFiles(data: PreparedData): CompiledFiles {
  const compiled = data.manifest.compiled.sagemaker;
  if (!compiled) {
    throw new PolytuneError('INVALID_INPUT', `The prepared folder ${data.dir} has no SageMaker files.`, {
      hint: 'Run `polytune data prepare` with the sagemaker provider so it compiles the JumpStart JSONL (and template.json).',
    });
  }
  return compiled;
}

/** One prefix per distinct dataset: a hash over the names and sha256 of every compiled file. */
export function dataContentHash(files: CompiledFiles): string {
  const lines = [
    `train/${basename(files.train.file)}:${files.train.sha256}`,
    ...(files.validation ? [`validation/${basename(files.validation.file)}:${files.validation.sha256}`] : []),
    ...files.extra.map((f) => `train/${basename(f.file)}:${f.sha256}`),
  ].sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 32);
}

/**
 * Uploads the compiled JumpStart files to `s3://bucket/prefix/data/<hash>/{train,validation}/`.
 * `template.json` and other extras go beside the training file (JumpStart reads
 * them from the training channel). Objects that already exist with the same
 * sha256 are skipped (HeadObject), so a retried submit uploads nothing twice.
 */
export async function uploadPreparedData(
  data: PreparedData,
  options: UploadOptions,
  ctx: Pick<SubmitContext, 'onUpload' | 'onEvent' | 'signal'> = {},
): Promise<UploadedData> {
  const files = compiledFiles(data);
  const contentHash = dataContentHash(files);
  const base = `${options.prefix ? `${options.prefix}/` : ''}data/${contentHash}`;
  const plan: { channel: 'train' | 'validation'; file: string; sha256: string }[] = [
    { channel: 'train', file: files.train.file, sha256: files.train.sha256 },
    ...files.extra.map((f) => ({ channel: 'train' as const, file: f.file, sha256: f.sha256 })),
    ...(files.validation
      ? [{ channel: 'validation' as const, file: files.validation.file, sha256: files.validation.sha256 }]
      : []),
  ];
  const uploaded: string[] = [];
  const skipped: string[] = [];
  for (const item of plan) {
    const key = `${base}/${item.channel}/${basename(item.file)}`;
    const uri = `s3://${options.bucket}/${key}`;
    const path = join(data.dir, item.file);
    if (await objectMatches(options, key, item.sha256, ctx.signal)) {
      skipped.push(uri);
    } else {
      await putFile(options, key, path, item.sha256, ctx.signal);
      uploaded.push(uri);
    }
    await ctx.onUpload?.({ name: item.file, sha256: item.sha256, remoteId: uri });
  }
  return {
    contentHash,
    trainUri: `s3://${options.bucket}/${base}/train/`,
    validationUri: files.validation ? `s3://${options.bucket}/${base}/validation/` : undefined,
    uploaded,
    skipped,
  };
}

async function objectMatches(options: UploadOptions, key: string, sha256: string, signal?: AbortSignal) {
  try {
    const head = await withRetry(
      () =>
        options.s3
          .send(new HeadObjectCommand({ Bucket: options.bucket, Key: key }), { abortSignal: signal })
          .catch((error: unknown) => {
            // HeadObject has no body, so a missing key is a bare 404 named NotFound.
            if (awsErrorName(error) === 'NotFound') throw error;
            throw toPolytuneError(error, `HeadObject s3://${options.bucket}/${key}`);
          }),
      { ...options.retry, signal },
    );
    // An object under a content-hash prefix with another hash was written by something else: replace it.
    return head.Metadata?.sha256 === undefined || head.Metadata.sha256 === sha256;
  } catch (error) {
    if (awsErrorName(error) === 'NotFound') return false;
    throw error;
  }
}

async function putFile(
  options: UploadOptions,
  key: string,
  path: string,
  sha256: string,
  signal?: AbortSignal,
) {
  const size = (await stat(path)).size;
  const common = {
    Bucket: options.bucket,
    Key: key,
    ContentType: key.endsWith('.json') ? 'application/json' : 'application/jsonl',
    Metadata: { sha256 },
  };
  await withRetry(
    async () => {
      try {
        if (size >= options.multipartThresholdBytes) {
          const upload = new Upload({
            client: options.s3,
            params: { ...common, Body: createReadStream(path) },
          });
          signal?.addEventListener('abort', () => void upload.abort(), { once: true });
          await upload.done();
        } else {
          await options.s3.send(new PutObjectCommand({ ...common, Body: await readFile(path) }), {
            abortSignal: signal,
          });
        }
      } catch (error) {
        throw toPolytuneError(error, `upload to s3://${options.bucket}/${key}`);
      }
    },
    { ...options.retry, signal },
  );
}
