import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PreparedData } from '../../src/dataset/prepared-manifest.js';
import { type PreparedFixtureOptions, writePreparedFixture } from '../helpers/prepared-fixture.js';

/**
 * The shared prepared fixture with canonical validation and test splits: its
 * splits hold OpenAI lines (enough for job tests), while a sweep's suite reads
 * canonical examples from them.
 */
export async function writeChatFixture(options: PreparedFixtureOptions = {}): Promise<PreparedData> {
  const data = await writePreparedFixture(options);
  for (const split of ['validation.jsonl', 'test.jsonl']) {
    const lines = (await readFile(join(data.dir, split), 'utf8')).trim().split('\n');
    const canonical = lines.map((line, i) =>
      JSON.stringify({ id: `${split}-${i}`, kind: 'chat', ...JSON.parse(line) }),
    );
    await writeFile(join(data.dir, split), `${canonical.join('\n')}\n`);
  }
  return data;
}
