import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { canonicalJson } from '../src/dataset/example.js';
import type { GenerateRequest, Generation } from '../src/provider.js';
import { redact } from '../src/redact.js';

/**
 * A disk cache of successful generations, one small file per entry under
 * `<dir>/<2 hex>/<sha256>.json`. The key is a hash of the model id, the
 * request and its generation parameters, so nothing readable (and no
 * credential) is in a path; the stored text is redacted. Errors are never
 * stored: a failed call is always retried on the next run.
 */
export class ResultCache {
  private readonly shards = new Set<string>();

  constructor(readonly dir: string) {}

  static key(modelId: string, request: GenerateRequest): string {
    return createHash('sha256')
      .update(canonicalJson({ v: 1, model: modelId, request }))
      .digest('hex');
  }

  private path(key: string): { shard: string; file: string } {
    const shard = join(this.dir, key.slice(0, 2));
    return { shard, file: join(shard, `${key}.json`) };
  }

  async get(key: string): Promise<Generation | undefined> {
    try {
      const value = JSON.parse(await readFile(this.path(key).file, 'utf8')) as Generation;
      return typeof value?.text === 'string' ? value : undefined;
    } catch {
      // Missing or unreadable (a torn write): a miss.
      return undefined;
    }
  }

  async set(key: string, generation: Generation): Promise<void> {
    const { shard, file } = this.path(key);
    if (!this.shards.has(shard)) {
      await mkdir(shard, { recursive: true });
      this.shards.add(shard);
    }
    const value: Generation = {
      text: redact(generation.text),
      latencyMs: generation.latencyMs,
      ...(generation.usage ? { usage: generation.usage } : {}),
      ...(generation.probabilities ? { probabilities: generation.probabilities } : {}),
    };
    // No temp file and rename: a torn entry fails to parse and reads as a miss, which costs one repeat call.
    await writeFile(file, JSON.stringify(value));
  }
}
