import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Validates a request against an operation's input in an official AWS Smithy
 * model (trimmed copies in `fixtures/api/`, made by scripts/extract-api-fixtures.ts).
 * Structures are closed: a member the model does not list fails, so a misspelt
 * field cannot pass. Checks required members, enums, lengths, ranges, list and
 * map sizes, and patterns as Smithy defines them: ECMA-262 regexes, not
 * implicitly anchored (the model's own `^…$` anchors do the anchoring).
 * Returns one line per problem (empty = valid), with the path.
 */
interface Traits {
  'smithy.api#required'?: object;
  'smithy.api#length'?: { min?: number; max?: number };
  'smithy.api#range'?: { min?: number; max?: number };
  'smithy.api#pattern'?: string;
  'smithy.api#enumValue'?: string | number;
}
interface Member {
  target: string;
  traits?: Traits;
}
interface Shape {
  type: string;
  members?: Record<string, Member>;
  member?: Member;
  key?: Member;
  value?: Member;
  input?: { target: string };
  traits?: Traits;
}
interface SmithyModel {
  shapes: Record<string, Shape>;
}

export const SAGEMAKER_SMITHY = 'aws_sagemaker_2017-07-24_smithy.subset.json';
export const SAGEMAKER_RUNTIME_SMITHY = 'aws_sagemaker-runtime_2017-05-13_smithy.subset.json';

const DATA_DIR = fileURLToPath(new URL('../../fixtures/api/', import.meta.url));
const models = new Map<string, SmithyModel>();
function load(file: string): SmithyModel {
  let model = models.get(file);
  if (!model) {
    model = JSON.parse(readFileSync(`${DATA_DIR}${file}`, 'utf8')) as SmithyModel;
    models.set(file, model);
  }
  return model;
}

const PRELUDE: Record<string, string> = {
  'smithy.api#String': 'string',
  'smithy.api#Boolean': 'boolean',
  'smithy.api#PrimitiveBoolean': 'boolean',
  'smithy.api#Integer': 'integer',
  'smithy.api#PrimitiveInteger': 'integer',
  'smithy.api#Long': 'long',
  'smithy.api#PrimitiveLong': 'long',
  'smithy.api#Float': 'float',
  'smithy.api#Double': 'double',
  'smithy.api#Timestamp': 'timestamp',
  'smithy.api#Blob': 'blob',
  'smithy.api#Document': 'document',
};

class Checker {
  readonly errors: string[] = [];
  constructor(private readonly model: SmithyModel) {}

  /** Shape traits first, the member's own traits on top (members may narrow a target). */
  check(target: string, memberTraits: Traits | undefined, value: unknown, path: string): void {
    const shape = this.model.shapes[target] ?? (PRELUDE[target] ? { type: PRELUDE[target] } : undefined);
    if (!shape) {
      this.errors.push(`${path}: unknown shape ${target}`);
      return;
    }
    const traits = { ...shape.traits, ...memberTraits };
    switch (shape.type) {
      case 'structure':
      case 'union':
        this.structure(shape, target, value, path);
        return;
      case 'list':
        if (!Array.isArray(value)) return void this.errors.push(`${path}: expected a list (${target})`);
        this.bounds(traits['smithy.api#length'], value.length, 'length', path);
        value.forEach((item, i) => {
          this.check(shape.member?.target ?? '', shape.member?.traits, item, `${path}[${i}]`);
        });
        return;
      case 'map': {
        if (!isObject(value)) return void this.errors.push(`${path}: expected a map (${target})`);
        const entries = Object.entries(value);
        this.bounds(traits['smithy.api#length'], entries.length, 'entries', path);
        for (const [k, v] of entries) {
          this.check(shape.key?.target ?? '', shape.key?.traits, k, `${path}{key ${JSON.stringify(k)}}`);
          this.check(shape.value?.target ?? '', shape.value?.traits, v, `${path}.${k}`);
        }
        return;
      }
      case 'enum':
      case 'intEnum': {
        const allowed = Object.values(shape.members ?? {}).map((m) => m.traits?.['smithy.api#enumValue']);
        if (!allowed.includes(value as string | number))
          this.errors.push(
            `${path}: ${JSON.stringify(value)} is not one of ${allowed.length} allowed values of ${target}`,
          );
        return;
      }
      case 'string':
        this.string(traits, target, value, path);
        return;
      default:
        this.scalar(shape.type, traits, target, value, path);
        return;
    }
  }

  private structure(shape: Shape, target: string, value: unknown, path: string): void {
    if (!isObject(value)) return void this.errors.push(`${path}: expected an object (${target})`);
    for (const [name, member] of Object.entries(shape.members ?? {})) {
      if (member.traits?.['smithy.api#required'] && (value[name] === undefined || value[name] === null))
        this.errors.push(`${path}.${name}: required`);
    }
    for (const [name, item] of Object.entries(value)) {
      if (item === undefined) continue;
      const member = shape.members?.[name];
      if (!member) this.errors.push(`${path}.${name}: not a member of ${target}`);
      else this.check(member.target, member.traits, item, `${path}.${name}`);
    }
  }

  private string(traits: Traits, target: string, value: unknown, path: string): void {
    if (typeof value !== 'string') return void this.errors.push(`${path}: expected a string (${target})`);
    this.bounds(traits['smithy.api#length'], [...value].length, 'length', path);
    const pattern = traits['smithy.api#pattern'];
    if (pattern && !new RegExp(pattern, 'u').test(value))
      this.errors.push(`${path}: ${JSON.stringify(value)} does not match ${target} pattern ${pattern}`);
  }

  private scalar(type: string, traits: Traits, target: string, value: unknown, path: string): void {
    const numeric = ['integer', 'long', 'short', 'byte', 'float', 'double', 'bigInteger', 'bigDecimal'];
    if (numeric.includes(type)) {
      const integral = !['float', 'double', 'bigDecimal'].includes(type);
      if (typeof value !== 'number' || (integral && !Number.isInteger(value)))
        return void this.errors.push(`${path}: expected ${integral ? 'an integer' : 'a number'} (${target})`);
      this.bounds(traits['smithy.api#range'], value, 'value', path);
      return;
    }
    if (type === 'boolean' && typeof value !== 'boolean')
      this.errors.push(`${path}: expected a boolean (${target})`);
    if (
      type === 'timestamp' &&
      !(value instanceof Date) &&
      typeof value !== 'number' &&
      typeof value !== 'string'
    )
      this.errors.push(`${path}: expected a timestamp (${target})`);
    if (type === 'blob' && typeof value !== 'string' && !(value instanceof Uint8Array))
      this.errors.push(`${path}: expected bytes (${target})`);
  }

  private bounds(
    limits: { min?: number; max?: number } | undefined,
    size: number,
    what: string,
    path: string,
  ) {
    if (limits?.min !== undefined && size < limits.min)
      this.errors.push(`${path}: ${what} ${size} < min ${limits.min}`);
    if (limits?.max !== undefined && size > limits.max)
      this.errors.push(`${path}: ${what} ${size} > max ${limits.max}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Problems with `input` as the input of `operation` in the given Smithy model; [] when valid. */
export function validateSmithyInput(modelFile: string, operation: string, input: unknown): string[] {
  const model = load(modelFile);
  const opName = Object.keys(model.shapes).find((n) => n.endsWith(`#${operation}`));
  const op = opName ? model.shapes[opName] : undefined;
  if (op?.type !== 'operation') return [`unknown operation ${operation}`];
  const checker = new Checker(model);
  if (op.input) checker.check(op.input.target, undefined, input, operation);
  return checker.errors;
}
