import { copyFile, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { encodeModel, tensorProto } from '../onnx-graph-builder.js';
import type { CausalLmFolder } from './causal-lm-folder.js';
import type { TailShape } from './lora-step-graph.js';
import type { NamedTensor } from './safetensors-file.js';
import { writeSafetensors } from './safetensors-file.js';
import type { AdaptedLinear, TailPlan } from './tail-surgery.js';

const { onnx } = onnxProto;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

/** W + s·A·B in [in, out] layout (A [in, r], B [r, out]). */
export function mergedWeight(
  layer: AdaptedLinear,
  a: Float32Array,
  b: Float32Array,
  rank: number,
  scale: number,
): Float32Array {
  const [rows, cols] = layer.dims;
  const out = Float32Array.from(layer.weight);
  for (let i = 0; i < rows; i++) {
    for (let k = 0; k < rank; k++) {
      const aik = (a[i * rank + k] as number) * scale;
      if (aik === 0) continue;
      const row = i * cols;
      const bRow = k * cols;
      for (let j = 0; j < cols; j++) out[row + j] = (out[row + j] as number) + aik * (b[bRow + j] as number);
    }
  }
  return out;
}

/** The adapted layers by parameter prefix and their module path (PEFT's names). */
export function adaptedLayers(
  plan: TailPlan,
  layers: number,
): Array<{ key: string; module: string; layer: AdaptedLinear }> {
  const last = `model.layers.${layers - 1}.mlp`;
  const list = [{ key: 'lm_head', module: 'lm_head', layer: plan.lmHead }];
  if (plan.mlp) {
    list.push(
      { key: 'gate', module: `${last}.gate_proj`, layer: plan.gate as AdaptedLinear },
      { key: 'up', module: `${last}.up_proj`, layer: plan.up as AdaptedLinear },
      { key: 'down', module: `${last}.down_proj`, layer: plan.down as AdaptedLinear },
    );
  }
  return list;
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c] as number;
  return out;
}

/**
 * Writes the merged export: each adapted MatMul reads a new initializer W + s·A·B
 * (so a head tied to the input embeddings is untied and the inputs do not change),
 * the tokenizer and config files beside it, and the adapter alone in PEFT's names.
 */
export async function writeMergedModel(
  folder: CausalLmFolder,
  plan: TailPlan,
  shape: TailShape,
  params: Record<string, Float32Array>,
  outDir: string,
  manifest: Record<string, unknown>,
): Promise<void> {
  await mkdir(outDir, { recursive: true });
  const model = onnx.ModelProto.decode(onnx.ModelProto.encode(folder.model).finish());
  const graph = model.graph as InstanceType<typeof onnx.GraphProto>;
  const adapter: Record<string, NamedTensor> = {};
  for (const { key, module, layer } of adaptedLayers(plan, folder.layers)) {
    const a = params[`${key}.A`] as Float32Array;
    const b = params[`${key}.B`] as Float32Array;
    const name = `${module}.merged_weight`;
    graph.initializer?.push(
      tensorProto(name, 'float32', layer.dims, mergedWeight(layer, a, b, shape.rank, shape.scale)),
    );
    const node = graph.node?.find(
      (n) => n.name === layer.node.name && n.output?.[0] === layer.node.output?.[0],
    );
    if (node?.input) node.input[layer.weightInput] = name;
    adapter[`base_model.model.${module}.lora_A.weight`] = {
      dims: [shape.rank, layer.dims[0]],
      data: transpose(a, layer.dims[0], shape.rank),
    };
    adapter[`base_model.model.${module}.lora_B.weight`] = {
      dims: [layer.dims[1], shape.rank],
      data: transpose(b, shape.rank, layer.dims[1]),
    };
  }
  // Drop initializers no node reads any more (an untied head keeps the embeddings; a replaced weight goes).
  const used = new Set((graph.node ?? []).flatMap((n) => n.input ?? []));
  graph.initializer = (graph.initializer as TensorProto[]).filter((t) => used.has(t.name ?? ''));
  await writeFile(join(outDir, 'model.onnx'), encodeModel(model));
  for (const file of await readdir(folder.dir)) {
    if (file === 'model.onnx' || file === 'config.json') continue;
    if (/\.(json|txt|model|onnx_data|onnx\.data)$/.test(file))
      await copyFile(join(folder.dir, file), join(outDir, file));
  }
  await writeFile(
    join(outDir, 'config.json'),
    `${JSON.stringify({ ...folder.config, tie_word_embeddings: false }, null, 2)}\n`,
  );
  await writeSafetensors(join(outDir, 'adapter_model.safetensors'), adapter, { format: 'pt' });
  const modules = adaptedLayers(plan, folder.layers).map((l) => l.module.split('.').pop());
  await writeFile(
    join(outDir, 'adapter_config.json'),
    `${JSON.stringify({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: shape.rank, lora_alpha: shape.scale * shape.rank, target_modules: modules, layers_to_transform: plan.mlp ? [folder.layers - 1] : undefined, base_model_name_or_path: folder.dir }, null, 2)}\n`,
  );
  await writeFile(join(outDir, 'training-manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}
