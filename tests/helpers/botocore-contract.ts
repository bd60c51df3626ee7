import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Validates a request against an operation's input shape in an official AWS
 * botocore service model (trimmed copies in `fixtures/api/`, made by scripts/extract-api-fixtures.ts):
 * required members, unknown members, enums, lengths, patterns, ranges, list and
 * map sizes. Returns one line per problem (empty = valid), with the path.
 *
 * Patterns are Java regexes matched in full (AWS uses `matches`); the few Java
 * classes JavaScript lacks (`\p{Alnum}`, `\p{Print}`, `\A`, `\z`) are translated.
 */
interface Shape {
  type: string;
  required?: string[];
  members?: Record<string, { shape: string; location?: string; locationName?: string }>;
  member?: { shape: string };
  key?: { shape: string };
  value?: { shape: string };
  enum?: string[];
  min?: number;
  max?: number;
  pattern?: string;
}
export interface ServiceModel {
  operations: Record<string, { input?: { shape: string } }>;
  shapes: Record<string, Shape>;
}

const DATA_DIR = fileURLToPath(new URL('../../fixtures/api/', import.meta.url));
const cache = new Map<string, ServiceModel>();

export function loadServiceModel(file: string): ServiceModel {
  let model = cache.get(file);
  if (!model) {
    model = JSON.parse(readFileSync(`${DATA_DIR}${file}`, 'utf8')) as ServiceModel;
    cache.set(file, model);
  }
  return model;
}

export const SAGEMAKER_MODEL = 'aws_sagemaker_2017-07-24_botocore_service-2.subset.json';
export const SAGEMAKER_RUNTIME_MODEL = 'aws_sagemaker-runtime_2017-05-13_botocore_service-2.subset.json';

const regexCache = new Map<string, RegExp | null>();
export function javaPattern(pattern: string): RegExp | null {
  if (regexCache.has(pattern)) return regexCache.get(pattern) ?? null;
  const source = pattern
    .replaceAll('\\p{Alnum}', '\\p{L}\\p{N}')
    .replaceAll('\\p{Print}', '\\P{Cc}')
    .replaceAll('\\A', '^')
    .replaceAll('\\z', '$');
  let regex: RegExp | null;
  try {
    regex = new RegExp(`^(?:${source})$`, 'u');
  } catch {
    regex = null; // a construct JS cannot express: length and type checks still apply
  }
  regexCache.set(pattern, regex);
  return regex;
}

function length(value: string): number {
  return [...value].length;
}

function check(model: ServiceModel, shapeName: string, value: unknown, path: string, errors: string[]): void {
  const shape = model.shapes[shapeName];
  if (!shape) {
    errors.push(`${path}: unknown shape ${shapeName}`);
    return;
  }
  const bounds = (size: number, what: string) => {
    if (shape.min !== undefined && size < shape.min)
      errors.push(`${path}: ${what} ${size} < min ${shape.min}`);
    if (shape.max !== undefined && size > shape.max)
      errors.push(`${path}: ${what} ${size} > max ${shape.max}`);
  };
  switch (shape.type) {
    case 'structure': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        errors.push(`${path}: expected an object (${shapeName})`);
        return;
      }
      const record = value as Record<string, unknown>;
      for (const name of shape.required ?? []) {
        if (record[name] === undefined || record[name] === null) errors.push(`${path}.${name}: required`);
      }
      for (const [name, member] of Object.entries(record)) {
        if (member === undefined) continue;
        const def = shape.members?.[name];
        if (!def) errors.push(`${path}.${name}: not a member of ${shapeName}`);
        else check(model, def.shape, member, `${path}.${name}`, errors);
      }
      return;
    }
    case 'list':
      if (!Array.isArray(value)) {
        errors.push(`${path}: expected a list (${shapeName})`);
        return;
      }
      bounds(value.length, 'length');
      value.forEach((item, i) => {
        check(model, shape.member?.shape ?? '', item, `${path}[${i}]`, errors);
      });
      return;
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        errors.push(`${path}: expected a map (${shapeName})`);
        return;
      }
      const entries = Object.entries(value as Record<string, unknown>);
      bounds(entries.length, 'entries');
      for (const [k, v] of entries) {
        check(model, shape.key?.shape ?? '', k, `${path}{key ${JSON.stringify(k)}}`, errors);
        check(model, shape.value?.shape ?? '', v, `${path}.${k}`, errors);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') {
        errors.push(`${path}: expected a string (${shapeName})`);
        return;
      }
      if (shape.enum && !shape.enum.includes(value)) {
        errors.push(
          `${path}: ${JSON.stringify(value)} is not one of ${shape.enum.length} allowed values of ${shapeName}`,
        );
      }
      bounds(length(value), 'length');
      if (shape.pattern) {
        const regex = javaPattern(shape.pattern);
        if (regex && !regex.test(value)) {
          errors.push(
            `${path}: ${JSON.stringify(value)} does not match ${shapeName} pattern ${shape.pattern}`,
          );
        }
      }
      return;
    }
    case 'integer':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        errors.push(`${path}: expected an integer (${shapeName})`);
        return;
      }
      bounds(value, 'value');
      return;
    case 'float':
    case 'double':
      if (typeof value !== 'number') errors.push(`${path}: expected a number (${shapeName})`);
      else bounds(value, 'value');
      return;
    case 'boolean':
      if (typeof value !== 'boolean') errors.push(`${path}: expected a boolean (${shapeName})`);
      return;
    case 'timestamp':
      if (!(value instanceof Date) && typeof value !== 'number' && typeof value !== 'string') {
        errors.push(`${path}: expected a timestamp (${shapeName})`);
      }
      return;
    case 'blob': {
      const size =
        typeof value === 'string'
          ? Buffer.byteLength(value)
          : value instanceof Uint8Array
            ? value.byteLength
            : -1;
      if (size < 0) errors.push(`${path}: expected bytes (${shapeName})`);
      else bounds(size, 'bytes');
      return;
    }
    default:
      errors.push(`${path}: shape type ${shape.type} not checked`);
  }
}

/** Problems with `input` as the input of `operation` in the given service model; [] when valid. */
export function validateOperationInput(modelFile: string, operation: string, input: unknown): string[] {
  const model = loadServiceModel(modelFile);
  const op = model.operations[operation];
  if (!op) return [`unknown operation ${operation}`];
  if (!op.input)
    return input === undefined || Object.keys(input as object).length === 0
      ? []
      : ['operation takes no input'];
  const errors: string[] = [];
  check(model, op.input.shape, input, operation, errors);
  return errors;
}
