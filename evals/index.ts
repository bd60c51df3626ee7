// `polytune/evals`: suites, the runner, statistics, reports and the gate. It loads no provider SDK.
export type { BaselineComparison, MetricSummary, ModelSummary, RunSummary } from './aggregate.js';
export type { CaseResult, CaseStatus } from './case-result.js';
export { type CaseStream, openCaseStream } from './case-sources.js';
export type { BatchEvent, EvalEvent, RunStatus } from './eval-events.js';
export {
  evaluateGate,
  type GateLine,
  type GateOptions,
  type GateResult,
  parseThreshold,
} from './gate.js';
export { gradeCase, runGrader } from './graders/grade.js';
export { type ParetoPoint, paretoFront } from './pareto.js';
export { RESULTS_VERSION, readResults, readResultsSummary } from './report/results-json.js';
export { type EvalRunResult, type RunEvalOptions, runEval } from './runner.js';
export { mcnemar, pairedDelta, wilson } from './stats.js';
export * from './suite.js';
export { loadSuite, parseSuite } from './suite-loader.js';
