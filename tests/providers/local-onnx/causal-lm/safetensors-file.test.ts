import { describe, expect, it } from 'vitest';
import {
  decodeSafetensors,
  encodeSafetensors,
} from '../../../../providers/local-onnx/causal-lm/safetensors-file.js';

describe('safetensors', () => {
  it('writes the documented layout (u64 LE header length, JSON header, 8-byte aligned data) and reads it back', () => {
    const a = Float32Array.of(1.5, -2, 3.25, 0, 7, 8);
    const b = Float32Array.of(0.125);
    const bytes = encodeSafetensors(
      { 'w.lora_A.weight': { dims: [2, 3], data: a }, bias: { dims: [1], data: b } },
      { format: 'pt' },
    );
    const headerLength = Number(bytes.readBigUInt64LE(0));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
    expect(header.bias).toEqual({ dtype: 'F32', shape: [1], data_offsets: [0, 4] });
    expect(header['w.lora_A.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [4, 28] });
    expect(bytes.length).toBe(8 + headerLength + 28);
    expect(bytes.readFloatLE(8 + headerLength + 4 + 8)).toBe(3.25);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ format: 'pt' });
    expect(Array.from(back.tensors['w.lora_A.weight']?.data ?? [])).toEqual(Array.from(a));
  });
});
