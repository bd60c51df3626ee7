import type { DatasetCompiler } from '../src/dataset/compiler.js';
import { PolytuneError } from '../src/errors.js';
import { localOnnxCompiler } from './local-onnx/local-onnx-compile.js';
import { openaiCompiler } from './openai/openai-compile.js';
import { sagemakerCompiler } from './sagemaker/sagemaker-compile.js';
import { vertexCompiler } from './vertex/vertex-compile.js';

/** Every provider's dataset compiler (what `data prepare` writes by default). */
export const compilers: readonly DatasetCompiler[] = [
  openaiCompiler,
  vertexCompiler,
  sagemakerCompiler,
  localOnnxCompiler,
];

/** The compilers for a list of provider ids, in the order given; unknown ids fail with the valid list. */
export function compilersFor(ids: readonly string[]): DatasetCompiler[] {
  return ids.map((id) => {
    const compiler = compilers.find((c) => c.provider === id);
    if (!compiler) {
      throw new PolytuneError('USAGE', `unknown provider \`${id}\``, {
        hint: `Use one or more of: ${compilers.map((c) => c.provider).join(', ')}.`,
      });
    }
    return compiler;
  });
}
