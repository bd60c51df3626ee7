import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  exports: Record<string, string | { types: string; import: string }>;
};

// The package imports itself by name (Node's self-reference through "exports"), so these run
// against dist/ exactly as a user's app would. `npm ci` builds dist/ (the prepare script).
async function importInChild(specifier: string, body: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      './tests/helpers/record-imports.mjs',
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(specifier)});\nawait new Promise((r) => setImmediate(r));\n${body}`,
    ],
    { maxBuffer: 8 * 1024 * 1024 },
  );
  return stdout;
}

const SDK_PACKAGES = /node_modules\/(openai|@google-cloud|google-gax|@aws-sdk|onnxruntime-node)\//;

describe('package exports', () => {
  beforeAll(() => {
    if (!existsSync('dist/src/index.js')) throw new Error('dist/ is missing: run `npm run build` first.');
  });

  it('every subpath points at a built file with its types', () => {
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (typeof target === 'string') continue;
      expect(existsSync(target.import), `${subpath} -> ${target.import}`).toBe(true);
      expect(existsSync(target.types), `${subpath} -> ${target.types}`).toBe(true);
    }
  });

  it('importing polytune loads no cloud SDK and no onnxruntime until a provider is created', async () => {
    const stdout = await importInChild(
      'polytune',
      `console.log(JSON.stringify({ loaded: globalThis.__resolvedUrls.filter((u) => ${SDK_PACKAGES}.test(u)), exports: Object.keys(m).length }));`,
    );
    const { loaded, exports } = JSON.parse(stdout) as { loaded: string[]; exports: number };
    expect(loaded).toEqual([]);
    expect(exports).toBeGreaterThan(50);
  });

  it('createProvider loads the SDK of that provider only', async () => {
    const stdout = await importInChild(
      'polytune',
      `await m.createProvider('openai', { apiKey: 'sk-test-not-a-real-key-000000' });
       await new Promise((r) => setImmediate(r));
       console.log(JSON.stringify(globalThis.__resolvedUrls.filter((u) => ${SDK_PACKAGES}.test(u)).map((u) => u.match(${SDK_PACKAGES})[1])));`,
    );
    const packages = new Set(JSON.parse(stdout) as string[]);
    expect([...packages]).toEqual(['openai']);
  });

  it.each([
    ['polytune/openai', 'createOpenAIProvider'],
    ['polytune/vertex', 'createVertexProvider'],
    ['polytune/sagemaker', 'createSageMakerProvider'],
    ['polytune/local-onnx', 'createLocalOnnxProvider'],
    ['polytune/evals', 'runEval'],
  ])('%s is importable alone and exports %s', async (specifier, name) => {
    const stdout = await importInChild(specifier, `console.log(typeof m[${JSON.stringify(name)}]);`);
    expect(stdout.trim()).toBe('function');
  });
});

describe('package types', () => {
  it('a consumer with NodeNext resolution gets the types of every subpath', async () => {
    // Inside the package folder, so `polytune/…` resolves by self-reference through "exports".
    const dir = mkdtempSync(join(process.cwd(), 'tests/.consumer-'));
    try {
      writeFileSync(
        join(dir, 'consumer.ts'),
        [
          "import { createProvider, type JobSpec } from 'polytune';",
          "import { runEval } from 'polytune/evals';",
          "import { createOpenAIProvider } from 'polytune/openai';",
          "import { createVertexProvider } from 'polytune/vertex';",
          "import { createSageMakerProvider } from 'polytune/sagemaker';",
          "import { createLocalOnnxProvider } from 'polytune/local-onnx';",
          "const spec: JobSpec = { provider: 'openai', baseModel: 'x', method: 'sft', hyperparameters: {} };",
          'export const all = [createProvider, runEval, createOpenAIProvider, createVertexProvider, createSageMakerProvider, createLocalOnnxProvider, spec];',
          '// @ts-expect-error the factories live in their subpaths, not in the core',
          "export { createOpenAIProvider as wrong } from 'polytune';",
        ].join('\n'),
      );
      writeFileSync(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: ['node'],
          },
          files: ['consumer.ts'],
        }),
      );
      await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', join(dir, 'tsconfig.json')]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
