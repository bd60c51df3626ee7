import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/files/write-atomic.js';
import { type BaseModel, encodeText, padBatch } from './base-model.js';
import { type Device, openSession, ort, type ResolvedDevice } from './onnx-session.js';

export interface Features {
  /** Row-major [count, dim]. */
  data: Float32Array;
  count: number;
  dim: number;
}

export interface FeatureRun {
  features: Features;
  cached: boolean;
  device: ResolvedDevice;
}

/** Runs the frozen base over texts in batches; returns the pooled states. */
export async function computeFeatures(
  base: BaseModel,
  texts: readonly string[],
  session: ort.InferenceSession,
  batchSize = 256,
): Promise<Features> {
  const dim = base.config.hiddenSize;
  const data = new Float32Array(texts.length * dim);
  for (let start = 0; start < texts.length; start += batchSize) {
    const rows = texts.slice(start, start + batchSize).map((t) => encodeText(base, t));
    const batch = padBatch(rows, base.config.padId);
    const out = await session.run({
      [base.config.inputs.ids]: new ort.Tensor('int64', batch.ids, batch.dims),
      [base.config.inputs.mask]: new ort.Tensor('int64', batch.mask, batch.dims),
    });
    const pooled = out[base.config.output];
    if (!pooled) throw new Error(`base graph has no output ${base.config.output}`);
    data.set(pooled.data as Float32Array, start * dim);
  }
  return { data, count: texts.length, dim };
}

/**
 * Features are computed once per (base, texts) and kept on disk under
 * `cacheDir`, keyed by the content hash of both, so re-runs and resumed jobs
 * skip the base entirely.
 */
export async function cachedFeatures(
  base: BaseModel,
  texts: readonly string[],
  cacheDir: string,
  device: Device = 'auto',
): Promise<FeatureRun> {
  const hash = createHash('sha256').update(base.id);
  for (const t of texts) hash.update(t).update('\u0000');
  const file = join(cacheDir, `${hash.digest('hex').slice(0, 32)}.f32`);
  const dim = base.config.hiddenSize;
  if (existsSync(file)) {
    const bytes = await readFile(file);
    if (bytes.byteLength === texts.length * dim * 4) {
      const data = new Float32Array(
        bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      );
      return { features: { data, count: texts.length, dim }, cached: true, device: 'cpu' };
    }
  }
  const opened = await openSession(base.modelBytes, device);
  try {
    const features = await computeFeatures(base, texts, opened.session);
    await mkdir(cacheDir, { recursive: true });
    await writeFileAtomic(
      file,
      new Uint8Array(features.data.buffer, features.data.byteOffset, features.data.byteLength),
    );
    return { features, cached: false, device: opened.device };
  } finally {
    await opened.session.release();
  }
}
