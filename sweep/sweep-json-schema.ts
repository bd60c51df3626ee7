import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { packagePath } from '../src/package-root.js';
import { SweepSchema } from './sweep-schema.js';

/** JSON Schema of sweep files, for editors (`$schema: ./sweep/sweep.schema.json`). */
export function sweepJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(SweepSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'polytune hyperparameter sweep',
  };
}

export const SWEEP_SCHEMA_FILE = packagePath('sweep', 'sweep.schema.json');

/** Regenerates sweep/sweep.schema.json (`npx tsx sweep/sweep-json-schema.ts`); a test fails when it is stale. */
export async function writeSweepJsonSchema(file = SWEEP_SCHEMA_FILE): Promise<void> {
  await writeFile(file, `${JSON.stringify(sweepJsonSchema(), null, 2)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await writeSweepJsonSchema();
