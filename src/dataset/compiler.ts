import { PolytuneError } from '../errors.js';
import type { Example, ExampleKind } from './example.js';

/**
 * A pure, streaming compiler from canonical examples to one provider's upload
 * lines. Compilers live beside their provider (`providers/<id>/<id>-compile.ts`);
 * `src/dataset` only knows this interface, so it stays provider-free.
 */
export interface DatasetCompiler {
  provider: string;
  /** Kinds this provider can train on; others fail before anything is written. */
  kinds: readonly ExampleKind[];
  /** One output line (no trailing newline) per example. */
  compile(examples: AsyncIterable<Example>): AsyncIterable<string>;
  /** Extra files written beside the compiled splits (name → content). */
  extraFiles?(kind: ExampleKind): Record<string, string>;
  /** One example to one line; when present, `compile` is this applied to each example. */
  compileExample?(example: Example): string;
  /** Provider limits for `data check` warnings and billing estimates. */
  limits?: CompilerLimits;
  /** Where an example worker thread can load this compiler (`prepare` compiles there when set). */
  worker?: CompilerModule;
}

/**
 * A compiler as a worker thread can rebuild it: the module URL, the export, and
 * when that export is a factory, the (structured-cloneable) arguments it was
 * called with. Compilers without one compile on the main thread.
 */
export interface CompilerModule {
  module: string;
  export: string;
  args?: unknown[];
}

/** What a provider accepts, used by `data check` warnings and billing estimates. */
export interface CompilerLimits {
  /** Tokens per example beyond which the provider truncates (or rejects) an example. */
  maxTokensPerExample?: number;
  /** Fewest training examples the provider accepts. */
  minExamples?: number;
  /** The size the provider recommends starting with. */
  recommendedExamples?: number;
  /** True when o200k_base counts only approximate this provider's tokenizer. */
  approximateTokens: boolean;
  /** Where the limits come from (and how sure we are of them). */
  note?: string;
}

/** Thrown (as INVALID_INPUT) when a compiler is handed a kind it cannot take. */
export function unsupportedKindMessage(compiler: DatasetCompiler, kind: ExampleKind): string {
  return `${compiler.provider} cannot train on ${kind} examples (it takes ${compiler.kinds.join(', ')})`;
}

/** The parts a compiler defines; `defineCompiler` adds the streaming `compile`. */
export interface CompilerDefinition {
  provider: string;
  kinds: readonly ExampleKind[];
  compileExample(example: Example): string;
  extraFiles?(kind: ExampleKind): Record<string, string>;
  limits?: CompilerLimits;
  worker?: CompilerModule;
}

/**
 * Builds a DatasetCompiler from a one-example function. Every example's kind is
 * checked, so a kind the provider cannot take fails with INVALID_INPUT naming
 * the example (callers that write files check `kinds` before writing).
 */
export function defineCompiler(definition: CompilerDefinition): DatasetCompiler {
  const compiler: DatasetCompiler = {
    provider: definition.provider,
    kinds: definition.kinds,
    limits: definition.limits,
    extraFiles: definition.extraFiles,
    worker: definition.worker,
    compileExample(example) {
      if (!definition.kinds.includes(example.kind)) {
        throw new PolytuneError('INVALID_INPUT', unsupportedKindMessage(compiler, example.kind), {
          file: example.source?.file,
          line: example.source?.line,
          hint: `Prepare this dataset for another provider, or convert it to one of: ${definition.kinds.join(', ')}.`,
        });
      }
      return definition.compileExample(example);
    },
    async *compile(examples) {
      for await (const example of examples) yield compiler.compileExample!(example);
    },
  };
  return compiler;
}
