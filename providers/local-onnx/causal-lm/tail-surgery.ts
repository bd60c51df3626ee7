import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { PolytuneError } from '../../../src/errors.js';
import { type ModelProto, tensorData } from '../onnx-graph-builder.js';
import type { CausalLmFolder } from './causal-lm-folder.js';

const { onnx } = onnxProto;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

export type TailTarget = 'lm_head' | 'mlp';

/** An adapted linear layer of the exported graph: its MatMul node and its weight in [in, out] layout. */
export interface AdaptedLinear {
  node: NodeProto;
  /** Which input of the MatMul is the weight (1 for x·W). */
  weightInput: 1;
  weight: Float32Array;
  dims: [number, number];
}

export interface TailPlan {
  mlp: boolean;
  lmHead: AdaptedLinear;
  gate?: AdaptedLinear;
  up?: AdaptedLinear;
  down?: AdaptedLinear;
  norm?: Float32Array;
  /** Graph tensors the frozen prefix exposes: the tail's input rows. */
  exposed: { x: string; h?: string };
  hidden: number;
  intermediate: number;
  vocab: number;
  eps: number;
}

function refuse(folder: CausalLmFolder, message: string): never {
  throw new PolytuneError('UNSUPPORTED', `${folder.dir}: ${message}`, {
    hint: 'Adapt the LM head only (targets: ["lm_head"]), or re-export the model with optimum-cli (unoptimised graph, float32).',
  });
}

/** An initializer as float32, reading Optimum's external data file (`model.onnx_data`) when needed. */
export function readInitializer(
  model: ModelProto,
  dir: string,
  name: string,
): { dims: number[]; data: Float32Array } | undefined {
  const tensor = (model.graph?.initializer as TensorProto[] | undefined)?.find((t) => t.name === name);
  if (!tensor) return undefined;
  if (tensor.dataType !== onnx.TensorProto.DataType.FLOAT) return undefined;
  const external = Object.fromEntries((tensor.externalData ?? []).map((e) => [e.key, e.value]));
  if (!external.location) return tensorData(tensor) as { dims: number[]; data: Float32Array };
  const dims = (tensor.dims ?? []).map(Number);
  const length = Number(external.length ?? dims.reduce((a, b) => a * b, 1) * 4);
  const bytes = Buffer.alloc(length);
  const fd = openSync(join(dir, String(external.location)), 'r');
  try {
    readSync(fd, bytes, 0, length, Number(external.offset ?? 0));
  } finally {
    closeSync(fd);
  }
  return { dims, data: new Float32Array(bytes.buffer, bytes.byteOffset, length / 4).slice() };
}

function nodes(model: ModelProto): NodeProto[] {
  return (model.graph?.node ?? []) as NodeProto[];
}

function producer(model: ModelProto, tensor: string): NodeProto | undefined {
  return nodes(model).find((n) => (n.output ?? []).includes(tensor));
}

/** The weight of `x·W`: an initializer, or Transpose(initializer) where the head is tied to the embeddings. */
function linearWeight(folder: CausalLmFolder, node: NodeProto): AdaptedLinear {
  const name = node.input?.[1] ?? '';
  const direct = readInitializer(folder.model, folder.dir, name);
  if (direct && direct.dims.length === 2)
    return { node, weightInput: 1, weight: direct.data, dims: direct.dims as [number, number] };
  const transpose = producer(folder.model, name);
  const source =
    transpose?.opType === 'Transpose'
      ? readInitializer(folder.model, folder.dir, transpose.input?.[0] ?? '')
      : undefined;
  if (source?.dims.length !== 2)
    refuse(folder, `the weight of ${node.name} is neither a float32 initializer nor a transposed one.`);
  const [rows, cols] = source.dims as [number, number];
  const weight = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) weight[c * rows + r] = source.data[r * cols + c] as number;
  return { node, weightInput: 1, weight, dims: [cols, rows] };
}

function matMulNamed(folder: CausalLmFolder, name: string): NodeProto {
  const node = nodes(folder.model).find((n) => n.name === name && n.opType === 'MatMul');
  if (!node)
    refuse(
      folder,
      `no MatMul node named ${name} (the MLP adapter finds layers by the exporter's module-path node names).`,
    );
  return node;
}

function lmHeadNode(folder: CausalLmFolder): NodeProto {
  let node = producer(folder.model, 'logits');
  while (node?.opType === 'Identity') node = producer(folder.model, node.input?.[0] ?? '');
  if (node?.opType !== 'MatMul')
    refuse(folder, `the logits are not produced by a MatMul (found ${node?.opType ?? 'nothing'}).`);
  return node;
}

/** Finds the adapted layers and the tensors entering the trainable tail. */
export function planTail(folder: CausalLmFolder, targets: readonly TailTarget[]): TailPlan {
  const lmHead = linearWeight(folder, lmHeadNode(folder));
  const [hidden, vocab] = lmHead.dims;
  const eps = Number(folder.config.rms_norm_eps ?? folder.config.layer_norm_epsilon ?? 1e-5);
  const headInput = lmHead.node.input?.[0] ?? '';
  if (!targets.includes('mlp'))
    return { mlp: false, lmHead, exposed: { x: headInput }, hidden, vocab, intermediate: 0, eps };
  if (folder.family !== 'llama')
    refuse(
      folder,
      `MLP adapters are implemented for the Llama family; ${folder.modelType} takes the LM head adapter only.`,
    );
  const last = `/model/layers.${folder.layers - 1}/mlp`;
  const gate = linearWeight(folder, matMulNamed(folder, `${last}/gate_proj/MatMul`));
  const up = linearWeight(folder, matMulNamed(folder, `${last}/up_proj/MatMul`));
  const down = linearWeight(folder, matMulNamed(folder, `${last}/down_proj/MatMul`));
  const residualAdd = nodes(folder.model).find(
    (n) => n.opType === 'Add' && (n.input ?? []).includes(down.node.output?.[0] ?? ''),
  );
  const normMul = producer(folder.model, headInput);
  const norm =
    normMul?.opType === 'Mul'
      ? (normMul.input ?? [])
          .map((i) => readInitializer(folder.model, folder.dir, i))
          .find((t) => t?.dims.length === 1)
      : undefined;
  if (!residualAdd || !norm)
    refuse(
      folder,
      'the last block does not end in a residual Add followed by an RMSNorm scale (Mul) before the LM head.',
    );
  const h = (residualAdd.input ?? []).find((i) => i !== down.node.output?.[0]) as string;
  return {
    mlp: true,
    lmHead,
    gate,
    up,
    down,
    norm: norm.data,
    exposed: { x: gate.node.input?.[0] as string, h },
    hidden,
    vocab,
    intermediate: gate.dims[1],
    eps,
  };
}

/** The exported graph with the tail's input tensors added as outputs (run once per example to cache them). */
export function exposeTail(folder: CausalLmFolder, plan: TailPlan): ModelProto {
  const model = onnx.ModelProto.decode(onnx.ModelProto.encode(folder.model).finish());
  for (const name of [plan.exposed.x, plan.exposed.h].filter((n): n is string => Boolean(n))) {
    model.graph?.output?.push(
      onnx.ValueInfoProto.create({
        name,
        type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT } },
      }),
    );
  }
  return model;
}
