import * as ort from 'onnxruntime-node';
import { PolytuneError } from '../../src/errors.js';

export type Device = 'auto' | 'cpu' | 'cuda';
export type ResolvedDevice = 'cpu' | 'cuda';

export interface OpenedSession {
  session: ort.InferenceSession;
  /** The execution provider that actually runs the graph. */
  device: ResolvedDevice;
  /** Why `auto` fell back to the CPU, when it did. */
  fallbackReason?: string;
}

/**
 * Opens a session on the asked device. onnxruntime-node throws when the CUDA
 * provider cannot load (it does not fall back), so `auto` catches that and
 * retries on the CPU, and says so; `cuda` fails with a hint.
 */
export async function openSession(
  model: Uint8Array | string,
  device: Device = 'auto',
  threads?: number,
): Promise<OpenedSession> {
  const base: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    ...(threads ? { intraOpNumThreads: threads } : {}),
  };
  const create = (providers: string[]) =>
    typeof model === 'string'
      ? ort.InferenceSession.create(model, { ...base, executionProviders: providers })
      : ort.InferenceSession.create(model, { ...base, executionProviders: providers });
  // ORT's native logger takes its level once, when the first session of the process starts; a
  // failed CUDA load would print an [E:onnxruntime] line even though we fall back and say so. The
  // errors that matter reach us as exceptions, so the native log stays at fatal for every session.
  ort.env.logLevel = 'fatal';
  if (device === 'cpu') return { session: await create(['cpu']), device: 'cpu' };
  try {
    return { session: await create(['cuda', 'cpu']), device: 'cuda' };
  } catch (error) {
    if (device === 'cuda') {
      throw new PolytuneError(
        'UNSUPPORTED',
        `The CUDA execution provider could not be loaded: ${(error as Error).message}`,
        {
          hint: 'Install the CUDA build (`npm install --onnxruntime-node-install` or `npm rebuild onnxruntime-node` with CUDA 12 + cuDNN 9), or use --device cpu.',
          cause: error,
        },
      );
    }
    return {
      session: await create(['cpu']),
      device: 'cpu',
      fallbackReason: (error as Error).message.split('\n')[0],
    };
  }
}

export { ort };
