import { readFile, writeFile } from 'node:fs/promises';

/**
 * The safetensors format, as the reference crate documents it
 * (https://docs.rs/crate/safetensors/0.3.1/source/ and
 * https://docs.rs/safetensors/latest/safetensors/tensor/index.html, read 2026-12-06):
 * an 8-byte unsigned header length, a JSON header `{name: {dtype, shape, data_offsets:
 * [begin, end]}, __metadata__: {string: string}}`, then the tensor bytes, little-endian,
 * C order. Only F32 is written here (LoRA factors). No npm package for it was found in
 * the registry lists this project searches, so it is written here, with a read-back test.
 */
export interface NamedTensor {
  dims: number[];
  data: Float32Array;
}

export function encodeSafetensors(
  tensors: Record<string, NamedTensor>,
  metadata: Record<string, string> = {},
): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name] as NamedTensor;
    header[name] = { dtype: 'F32', shape: t.dims, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const t = tensors[name] as NamedTensor;
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, at);
    at += t.data.byteLength;
  }
  return out;
}

export function decodeSafetensors(bytes: Buffer): {
  tensors: Record<string, NamedTensor>;
  metadata: Record<string, string>;
} {
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')) as Record<string, unknown>;
  const base = 8 + length;
  const tensors: Record<string, NamedTensor> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const { dtype, shape, data_offsets } = entry as {
      dtype: string;
      shape: number[];
      data_offsets: [number, number];
    };
    if (dtype !== 'F32') throw new Error(`safetensors: ${name} is ${dtype}; only F32 is read`);
    const slice = bytes.subarray(base + data_offsets[0], base + data_offsets[1]);
    tensors[name] = { dims: shape, data: new Float32Array(Uint8Array.from(slice).buffer) };
  }
  return { tensors, metadata: (header.__metadata__ ?? {}) as Record<string, string> };
}

export async function writeSafetensors(
  file: string,
  tensors: Record<string, NamedTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFile(file, encodeSafetensors(tensors, metadata));
}

export async function readSafetensors(file: string) {
  return decodeSafetensors(await readFile(file));
}
