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
}
