import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PolytuneError } from '../../src/errors.js';
import type { Model } from '../../src/provider.js';
import { DEFAULT_BASE_DIR, loadBaseModel } from './base-model.js';
import { isCausalLmFolder } from './causal-lm/causal-lm-folder.js';
import { loadCausalLmModel } from './causal-lm/causal-lm-model.js';
import { loadClassifierModel, zeroShotModel } from './local-model.js';
import type { Device } from './onnx-session.js';

/** Label names for the zero-shot model: from a prepared folder's manifest or an exported model's. */
async function labelsFrom(source: string): Promise<string[]> {
  const dir = resolve(source || '.');
  for (const file of [join(dir, 'manifest.json'), join(dir, 'model', 'manifest.json')]) {
    if (!existsSync(file)) continue;
    const manifest = JSON.parse(await readFile(file, 'utf8')) as {
      labels?: string[];
      stats?: { labels?: Record<string, number> };
    };
    const labels = manifest.labels ?? Object.keys(manifest.stats?.labels ?? {});
    if (labels.length > 0) return [...labels].sort();
  }
  throw new PolytuneError('USAGE', `No label names found in ${dir}.`, {
    hint: 'Use local-onnx:zero-shot:<prepared dataset folder>, whose manifest lists the labels.',
  });
}

/** A folder's model: an Optimum causal-LM export (base or merged) generates; anything else is a classifier. */
export async function modelFromFolder(dir: string, device: Device): Promise<Model> {
  if (isCausalLmFolder(dir)) return loadCausalLmModel(dir, { device });
  return loadClassifierModel(dir, device);
}

/**
 * `local-onnx:<model folder>`, `local-onnx:<job folder>` (its `model/`), or
 * `local-onnx:zero-shot:<prepared folder>[@<base folder>]` (the classifier baseline).
 */
export async function resolveLocalModel(target: string, device: Device): Promise<Model> {
  const ref = target.replace(/^local-onnx:/, '');
  if (ref.startsWith('zero-shot')) {
    const [source, baseDir] = ref.slice('zero-shot'.length).replace(/^:/, '').split('@');
    const labels = await labelsFrom(source ?? '');
    return zeroShotModel(
      await loadBaseModel(baseDir ? resolve(baseDir) : DEFAULT_BASE_DIR),
      labels,
      device,
      `local-onnx:zero-shot:${resolve(source ?? '')}${baseDir ? `@${resolve(baseDir)}` : ''}`,
    );
  }
  const dir = resolve(ref);
  return modelFromFolder(existsSync(join(dir, 'job.json')) ? join(dir, 'model') : dir, device);
}
