import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../../../src/files/write-atomic.js';
import { seededRandom } from '../../../src/seeded-random.js';
import type { ParamSpec } from '../train-step-graph.js';
import { readSafetensors, writeSafetensors } from './safetensors-file.js';

export interface LoraEpoch {
  epoch: number;
  trainLoss: number;
  /**
   * Share of training examples whose every target token is the argmax (= greedy reproduces them):
   * measured at each step before its update, and over the final weights when that reached 1.
   */
  trainExact: number;
  valLoss?: number;
  valExact?: number;
  learningRate: number;
}

/** Everything needed to continue after a crash; written after every epoch. */
export interface LoraState {
  params: Record<string, Float32Array>;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
  step: number;
  epoch: number;
  history: LoraEpoch[];
  bestValLoss: number;
  badEpochs: number;
}

/** PEFT's initialisation: A uniform in ±1/√fan_in (kaiming-uniform, a = √5), B zero, so training starts at the base. */
export function initialLoraState(params: readonly ParamSpec[], seed: number): LoraState {
  const random = seededRandom(seed);
  const zeros = () =>
    Object.fromEntries(params.map((p) => [p.name, new Float32Array(p.dims[0]! * p.dims[1]!)]));
  const values = zeros();
  for (const p of params) {
    if (!p.name.endsWith('.A')) continue;
    const bound = 1 / Math.sqrt(p.dims[0]!);
    const data = values[p.name] as Float32Array;
    for (let i = 0; i < data.length; i++) data[i] = (random() * 2 - 1) * bound;
  }
  return {
    params: values,
    m: zeros(),
    v: zeros(),
    step: 0,
    epoch: 0,
    history: [],
    bestValLoss: Number.POSITIVE_INFINITY,
    badEpochs: 0,
  };
}

export async function saveLoraCheckpoint(
  dir: string,
  state: LoraState,
  params: readonly ParamSpec[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const tensors: Record<string, { dims: number[]; data: Float32Array }> = {};
  for (const p of params) {
    tensors[p.name] = { dims: p.dims, data: state.params[p.name] as Float32Array };
    tensors[`${p.name}.m`] = { dims: p.dims, data: state.m[p.name] as Float32Array };
    tensors[`${p.name}.v`] = { dims: p.dims, data: state.v[p.name] as Float32Array };
  }
  const { params: _p, m: _m, v: _v, ...rest } = state;
  const json = { ...rest, bestValLoss: Number.isFinite(state.bestValLoss) ? state.bestValLoss : null };
  // Tensors first, then the JSON that points at them, each by rename: a crash leaves the previous epoch whole.
  await writeSafetensors(join(dir, 'state.safetensors.tmp'), tensors);
  await rename(join(dir, 'state.safetensors.tmp'), join(dir, `state-${state.epoch}.safetensors`));
  await writeJsonAtomic(join(dir, 'state.json'), json);
  await rm(join(dir, `state-${state.epoch - 1}.safetensors`), { force: true });
}

export async function loadLoraCheckpoint(
  dir: string,
  params: readonly ParamSpec[],
): Promise<LoraState | undefined> {
  if (!existsSync(join(dir, 'state.json'))) return undefined;
  const json = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as Omit<
    LoraState,
    'params' | 'm' | 'v'
  > & { bestValLoss: number | null };
  const { tensors } = await readSafetensors(join(dir, `state-${json.epoch}.safetensors`));
  const pick = (suffix: string) =>
    Object.fromEntries(
      params.map((p) => [
        p.name,
        (tensors[`${p.name}${suffix}`]?.data as Float32Array) ?? new Float32Array(0),
      ]),
    );
  return {
    ...json,
    bestValLoss: json.bestValLoss ?? Number.POSITIVE_INFINITY,
    params: pick(''),
    m: pick('.m'),
    v: pick('.v'),
  };
}
