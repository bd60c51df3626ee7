import { requireValue } from './grader-config-error.js';
import { type GraderHandler, quote } from './grader-types.js';

export const contains: GraderHandler<'contains'> = (output, testCase, spec) => {
  const raw = requireValue(spec.value, testCase.expected, 'contains');
  const values = (Array.isArray(raw) ? raw : [raw]).map(String);
  const haystack = spec.ignoreCase ? output.toLowerCase() : output;
  const found = values.filter((v) => haystack.includes(spec.ignoreCase ? v.toLowerCase() : v));
  const missing = values.filter((v) => !found.includes(v));
  const pass = spec.match === 'all' ? missing.length === 0 : found.length > 0;
  const reason =
    found.length > 0 && missing.length === 0
      ? `output contains ${values.map((v) => quote(v)).join(', ')}`
      : found.length === 0
        ? `output does not contain ${values.map((v) => quote(v)).join(spec.match === 'all' ? ', ' : ' or ')}`
        : `output contains ${found.map((v) => quote(v)).join(', ')} but not ${missing.map((v) => quote(v)).join(', ')}`;
  return { pass, score: values.length ? found.length / values.length : 0, reason };
};
