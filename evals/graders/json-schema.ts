import { Ajv, type ValidateFunction } from 'ajv';
import { graderConfigError } from './grader-config-error.js';
import { type GraderHandler, quote } from './grader-types.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const validators = new Map<string, ValidateFunction>();

function validatorFor(schema: Record<string, unknown>): ValidateFunction {
  const cacheKey = JSON.stringify(schema);
  let validate = validators.get(cacheKey);
  if (!validate) {
    try {
      validate = ajv.compile(schema);
    } catch (cause) {
      throw graderConfigError(
        `Invalid JSON Schema in a json-schema grader: ${(cause as Error).message}`,
        'Fix the schema in the suite.',
      );
    }
    validators.set(cacheKey, validate);
  }
  return validate;
}

/** Parses the output as JSON: the whole text, else a fenced ```json block, else the outermost {…} or […]. */
export function parseJsonOutput(output: string): { ok: true; value: unknown } | { ok: false; error: string } {
  const candidates = [output.trim()];
  const fenced = /```(?:json)?\s*\n([\s\S]*?)```/i.exec(output);
  if (fenced?.[1]) candidates.push(fenced[1].trim());
  for (const [open, close] of [
    ['{', '}'],
    ['[', ']'],
  ] as const) {
    const start = output.indexOf(open);
    const end = output.lastIndexOf(close);
    if (start >= 0 && end > start) candidates.push(output.slice(start, end + 1));
  }
  let error = 'empty output';
  for (const text of candidates) {
    if (!text) continue;
    try {
      return { ok: true, value: JSON.parse(text) };
    } catch (cause) {
      error ||= (cause as Error).message;
      if (error === 'empty output') error = (cause as Error).message;
    }
  }
  return { ok: false, error };
}

export const jsonSchema: GraderHandler<'json-schema'> = (output, _testCase, spec) => {
  const parsed = parseJsonOutput(output);
  if (!parsed.ok)
    return { pass: false, score: 0, reason: `output ${quote(output)} is not JSON (${parsed.error})` };
  if (!spec.schema) return { pass: true, score: 1, reason: 'output is valid JSON' };
  const validate = validatorFor(spec.schema);
  if (validate(parsed.value))
    return { pass: true, score: 1, reason: 'output is JSON that matches the schema' };
  const problems = (validate.errors ?? [])
    .slice(0, 3)
    .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`)
    .join('; ');
  return { pass: false, score: 0, reason: `output JSON does not match the schema: ${problems}` };
};
