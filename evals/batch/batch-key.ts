import { createHash } from 'node:crypto';
import { canonicalJson } from '../../src/dataset/example.js';

/**
 * The key of one batch: sha256 over the model, the chunk's index and the hash
 * of the chunk's request lines (which hold the suite's cases and generation
 * settings), so the same suite, model and chunk always map to the same remote
 * batch. 32 lowercase hex digits fit OpenAI metadata and Vertex label values.
 */
export function batchKey(model: string, chunk: number, contentSha256: string): string {
  const material = canonicalJson({ v: 1, model, chunk, content: contentSha256 });
  return createHash('sha256').update(material).digest('hex').slice(0, 32);
}
