import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { packagePath } from '../src/package-root.js';
import { SuiteSchema } from './suite.js';

/** JSON Schema of suite files, for editors (`$schema: ./evals/suite.schema.json`). */
export function suiteJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(SuiteSchema, { io: 'input', target: 'draft-2020-12' }),
    title: 'polytune evaluation suite',
  };
}

export const SUITE_SCHEMA_FILE = packagePath('evals', 'suite.schema.json');

/** Regenerates evals/suite.schema.json (`npx tsx evals/suite-json-schema.ts`); a test fails when it is stale. */
export async function writeSuiteJsonSchema(file = SUITE_SCHEMA_FILE): Promise<void> {
  await writeFile(file, `${JSON.stringify(suiteJsonSchema(), null, 2)}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await writeSuiteJsonSchema();
