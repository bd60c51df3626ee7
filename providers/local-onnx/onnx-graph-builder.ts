import onnxProto from 'onnx-proto';

/**
 * A small typed builder over the official ONNX protobuf definition
 * (`onnx-proto`, IR 8 / opset 17). Every graph the local backend runs (the
 * default base, the train step, the merged model) is built here, so there is
 * one place that knows tensor encodings and opset quirks.
 */
const { onnx } = onnxProto;
export type ModelProto = InstanceType<typeof onnx.ModelProto>;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;
type ValueInfoProto = InstanceType<typeof onnx.ValueInfoProto>;

export const OPSET = 17;
export const IR_VERSION = 8;

export type DType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'bool' | 'int8';

const DATA_TYPE: Record<DType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int64: onnx.TensorProto.DataType.INT64,
  int32: onnx.TensorProto.DataType.INT32,
  bool: onnx.TensorProto.DataType.BOOL,
  int8: onnx.TensorProto.DataType.INT8,
};

export function onnxDataType(dtype: DType): number {
  return DATA_TYPE[dtype];
}

export type TensorData =
  | Float32Array
  | Float64Array
  | BigInt64Array
  | Int32Array
  | Uint16Array
  | Int8Array
  | Uint8Array;

/** Float attributes must be marked, since a bare number is an INT attribute. */
export interface FloatAttr {
  float: number;
}
export type AttrValue = number | number[] | string | FloatAttr | { floats: number[] };

export function f(value: number): FloatAttr {
  return { float: value };
}

/** IEEE half precision, round to nearest even; the default base stores its table this way. */
export function toFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  for (let i = 0; i < values.length; i++) {
    f32[0] = values[i] as number;
    const x = u32[0] as number;
    const sign = (x >>> 16) & 0x8000;
    let exp = ((x >>> 23) & 0xff) - 127 + 15;
    let mant = x & 0x7fffff;
    if (exp >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (exp <= 0) {
      if (exp < -10) {
        out[i] = sign;
        continue;
      }
      mant = (mant | 0x800000) >>> (1 - exp);
      exp = 0;
      out[i] = sign | ((mant + 0x1000) >>> 13);
      continue;
    }
    let half = sign | (exp << 10) | (mant >>> 13);
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
    out[i] = half;
  }
  return out;
}

export function fromFloat16(values: Uint16Array): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const h = values[i] as number;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) out[i] = sign * 2 ** -14 * (mant / 1024);
    else if (exp === 31) out[i] = mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else out[i] = sign * 2 ** (exp - 15) * (1 + mant / 1024);
  }
  return out;
}

export function tensorProto(
  name: string,
  dtype: DType,
  dims: readonly number[],
  data: TensorData,
): TensorProto {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return onnx.TensorProto.create({
    name,
    dataType: DATA_TYPE[dtype],
    dims: [...dims],
    // Copy: the proto must not alias a buffer the caller may reuse.
    rawData: Uint8Array.from(bytes),
  });
}

/** Reads an initializer back as typed data (raw_data or the typed repeated fields). */
export function tensorData(tensor: TensorProto): { dims: number[]; dataType: number; data: TensorData } {
  const dims = (tensor.dims ?? []).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = tensor.rawData && tensor.rawData.length > 0 ? Uint8Array.from(tensor.rawData) : undefined;
  const T = onnx.TensorProto.DataType;
  switch (tensor.dataType) {
    case T.FLOAT:
      return {
        dims,
        dataType: tensor.dataType,
        data: raw ? new Float32Array(raw.buffer) : Float32Array.from(tensor.floatData ?? []),
      };
    case T.DOUBLE:
      return {
        dims,
        dataType: tensor.dataType,
        data: raw ? new Float64Array(raw.buffer) : Float64Array.from(tensor.doubleData ?? []),
      };
    case T.FLOAT16:
      return {
        dims,
        dataType: tensor.dataType,
        data: raw ? new Uint16Array(raw.buffer) : Uint16Array.from(tensor.int32Data ?? []),
      };
    case T.INT64:
      return {
        dims,
        dataType: tensor.dataType,
        data: raw
          ? new BigInt64Array(raw.buffer)
          : BigInt64Array.from((tensor.int64Data ?? []).map((v) => BigInt(String(v)))),
      };
    default:
      throw new Error(
        `tensorData: unsupported data type ${tensor.dataType} for ${tensor.name} (${count} values)`,
      );
  }
}

function attribute(name: string, value: AttrValue) {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') return onnx.AttributeProto.create({ name, type: A.INT, i: value });
  if (typeof value === 'string')
    return onnx.AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(value) });
  if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: A.INTS, ints: value });
  if ('float' in value) return onnx.AttributeProto.create({ name, type: A.FLOAT, f: value.float });
  return onnx.AttributeProto.create({ name, type: A.FLOATS, floats: value.floats });
}

function valueInfo(name: string, dtype: DType, shape: readonly (number | string)[]): ValueInfoProto {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[dtype],
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

/**
 * Builds one graph. Names it generates carry `prefix`, so a head built into an
 * existing base graph cannot clash with the base's names.
 */
export class GraphBuilder {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: ValueInfoProto[] = [];
  private readonly outputs: ValueInfoProto[] = [];
  private counter = 0;

  constructor(readonly prefix = '') {}

  /** Starts from an existing model's graph (its nodes, initializers, inputs and outputs are kept). */
  static extend(model: ModelProto, prefix: string): GraphBuilder {
    const builder = new GraphBuilder(prefix);
    const graph = model.graph;
    if (!graph) throw new Error('model has no graph');
    builder.nodes.push(...(graph.node as NodeProto[]));
    builder.initializers.push(...(graph.initializer as TensorProto[]));
    builder.inputs.push(...(graph.input as ValueInfoProto[]));
    return builder;
  }

  name(hint: string): string {
    this.counter += 1;
    return `${this.prefix}${hint}_${this.counter}`;
  }

  input(name: string, dtype: DType, shape: readonly (number | string)[]): string {
    this.inputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  output(name: string, dtype: DType, shape: readonly (number | string)[]): string {
    this.outputs.push(valueInfo(name, dtype, shape));
    return name;
  }

  /** Removes the graph outputs (used when a head replaces the base's output). */
  clearOutputs(): void {
    this.outputs.length = 0;
  }

  initializer(name: string, dtype: DType, dims: readonly number[], data: TensorData): string {
    this.initializers.push(tensorProto(name, dtype, dims, data));
    return name;
  }

  /** A constant tensor held as an initializer with a generated name. */
  constant(hint: string, dtype: DType, dims: readonly number[], data: TensorData): string {
    return this.initializer(this.name(hint), dtype, dims, data);
  }

  scalar(value: number, dtype: 'float32' | 'float64' = 'float32'): string {
    const data = dtype === 'float32' ? Float32Array.of(value) : Float64Array.of(value);
    return this.constant('c', dtype, [], data);
  }

  axes(...values: number[]): string {
    return this.constant('axes', 'int64', [values.length], BigInt64Array.from(values.map(BigInt)));
  }

  /** Adds a node with `outputs` outputs; returns their names. */
  nodeN(
    opType: string,
    inputs: readonly string[],
    outputs: number | readonly string[],
    attrs: Record<string, AttrValue> = {},
  ): string[] {
    const outNames =
      typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.name(opType)) : [...outputs];
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name: this.name(`${opType}_node`),
        input: [...inputs],
        output: outNames,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outNames;
  }

  /** Adds a node under a given node name (exported models name nodes by module path, e.g. `/lm_head/MatMul`). */
  namedNode(
    nodeName: string,
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
  ): string {
    const out = `${nodeName}_output_0`;
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        name: nodeName,
        input: [...inputs],
        output: [out],
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return out;
  }

  /** Adds a single-output node; `out` names the output (else a generated name). */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    out?: string,
  ): string {
    return this.nodeN(opType, inputs, out === undefined ? 1 : [out], attrs)[0] as string;
  }

  build(options: { graphName: string; metadata?: Record<string, string>; docString?: string }): ModelProto {
    return onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'polytune',
      producerVersion: '0.1.0',
      docString: options.docString ?? '',
      opsetImport: [{ domain: '', version: OPSET }],
      metadataProps: Object.entries(options.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: {
        name: options.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
  }
}

export function encodeModel(model: ModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.decode(bytes);
}

/** Replaces an initializer of a decoded model in place (vocabulary extension). */
export function replaceInitializer(model: ModelProto, tensor: TensorProto): void {
  const list = model.graph?.initializer as TensorProto[] | undefined;
  const index = list?.findIndex((t) => t.name === tensor.name) ?? -1;
  if (!list || index < 0) throw new Error(`initializer ${tensor.name} not found`);
  list[index] = tensor;
}

export function findInitializer(model: ModelProto, name: string): TensorProto | undefined {
  return (model.graph?.initializer as TensorProto[] | undefined)?.find((t) => t.name === name);
}
