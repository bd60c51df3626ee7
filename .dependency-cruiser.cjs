/** The import rules of DESIGN.md, held by a tool rather than memory. */
module.exports = {
  forbidden: [
    {
      name: 'dataset-is-provider-free',
      comment: 'src/dataset knows no provider, no eval and no terminal.',
      severity: 'error',
      from: { path: '^src/dataset' },
      to: { path: '^(providers|evals|src/cli|src/jobs)/' },
    },
    {
      name: 'contract-names-no-backend',
      comment: 'src/provider.ts imports nothing from providers/, evals/ or src/cli.',
      severity: 'error',
      from: { path: '^src/provider\\.ts$' },
      to: { path: '^(providers|evals|src/cli)/' },
    },
    {
      name: 'core-does-not-reach-up',
      comment: 'Only the CLI and the public index may import providers or evals from src/.',
      severity: 'error',
      from: { path: '^src/(?!cli/|index\\.ts)' },
      to: { path: '^(providers|evals|src/cli)/' },
    },
    {
      name: 'providers-stay-below-evals-and-cli',
      comment: 'providers/* import the contract, src/dataset and src/cost; never evals/ or src/cli.',
      severity: 'error',
      from: { path: '^providers/' },
      to: { path: '^(evals|src/cli)/' },
    },
    {
      name: 'providers-are-independent',
      comment: 'One provider folder never imports another.',
      severity: 'error',
      from: { path: '^providers/([^/]+)/' },
      to: { path: '^providers/([^/]+)/', pathNot: '^providers/$1/' },
    },
    {
      name: 'evals-see-models-only',
      comment: 'evals/ reach models only through the Model interface, never a provider folder.',
      severity: 'error',
      from: { path: '^evals/' },
      to: { path: '^(providers|src/cli)/' },
    },
    {
      name: 'only-cli-writes-argv',
      comment: 'Nothing but src/cli uses commander.',
      severity: 'error',
      from: { path: '^(src/(?!cli/)|providers|evals)' },
      to: { path: 'node_modules/commander' },
    },
    {
      name: 'sweep-reaches-providers-by-injection',
      comment:
        'sweep/ orchestrates jobs and evals; it gets providers and models from its caller (a factory, a resolver), never a providers/ folder, and never the CLI.',
      severity: 'error',
      from: { path: '^sweep/' },
      to: { path: '^(providers|src/cli)/' },
    },
    {
      name: 'only-cli-and-index-use-sweep',
      comment: 'sweep/ sits above jobs and evals: only the CLI and the public index import it.',
      severity: 'error',
      from: { path: '^(src/(?!cli/|index\\.ts)|providers|evals)' },
      to: { path: '^sweep/' },
    },
    {
      name: 'sweep-writes-no-argv',
      comment: 'Nothing but src/cli uses commander.',
      severity: 'error',
      from: { path: '^sweep/' },
      to: { path: 'node_modules/commander' },
    },
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
