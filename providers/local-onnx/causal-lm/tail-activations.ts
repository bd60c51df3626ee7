import { existsSync, symlinkSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeModel } from '../onnx-graph-builder.js';
import { type Device, openSession, ort } from '../onnx-session.js';
import type { CausalLmFolder } from './causal-lm-folder.js';
import type { TailPlan } from './tail-surgery.js';
import { exposeTail } from './tail-surgery.js';
import type { TrainingTokens } from './training-tokens.js';

/** The tail's input rows of one sequence: one row per target token. */
export interface TailRows {
  id: string;
  count: number;
  x: Float32Array;
  h?: Float32Array;
  target: BigInt64Array;
}

/**
 * Runs the frozen network once per sequence (the prefix's output at position t
 * predicts token t + 1) and keeps only the rows whose next token is a target.
 */
export async function cacheTailRows(
  folder: CausalLmFolder,
  plan: TailPlan,
  sequences: readonly TrainingTokens[],
  workDir: string,
  device: Device,
): Promise<TailRows[]> {
  await mkdir(workDir, { recursive: true });
  // The exposed graph sits beside links to the export's external data files, which it references by name.
  for (const file of ['model.onnx_data', 'model.onnx.data']) {
    if (existsSync(join(folder.dir, file)) && !existsSync(join(workDir, file)))
      symlinkSync(join(folder.dir, file), join(workDir, file));
  }
  const exposedPath = join(workDir, 'prefix.onnx');
  await writeFile(exposedPath, encodeModel(exposeTail(folder, plan)));
  const opened = await openSession(exposedPath, device);
  const d = plan.hidden;
  const rows: TailRows[] = [];
  try {
    for (const seq of sequences) {
      const n = seq.ids.length;
      const feeds: Record<string, ort.Tensor> = {
        input_ids: new ort.Tensor('int64', BigInt64Array.from(seq.ids, BigInt), [1, n]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
      };
      if (folder.hasPositionIds)
        feeds.position_ids = new ort.Tensor(
          'int64',
          BigInt64Array.from({ length: n }, (_, i) => BigInt(i)),
          [1, n],
        );
      for (let i = 0; i < folder.layers; i++) {
        for (const kind of ['key', 'value']) {
          feeds[`past_key_values.${i}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [
            1,
            folder.kvHeads,
            0,
            folder.headDim,
          ]);
        }
      }
      const fetches = [plan.exposed.x, ...(plan.exposed.h ? [plan.exposed.h] : [])];
      const out = await opened.session.run(feeds, fetches);
      const positions = seq.target.flatMap((isTarget, t) => (isTarget && t > 0 ? [t - 1] : []));
      const pick = (data: Float32Array) => {
        const picked = new Float32Array(positions.length * d);
        positions.forEach((p, r) => {
          picked.set(data.subarray(p * d, (p + 1) * d), r * d);
        });
        return picked;
      };
      rows.push({
        id: seq.id,
        count: positions.length,
        x: pick(out[plan.exposed.x]?.data as Float32Array),
        h: plan.exposed.h ? pick(out[plan.exposed.h]?.data as Float32Array) : undefined,
        target: BigInt64Array.from(positions, (p) => BigInt(seq.ids[p + 1] as number)),
      });
    }
  } finally {
    await opened.session.release();
  }
  return rows;
}
