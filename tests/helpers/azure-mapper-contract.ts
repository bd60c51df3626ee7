import * as mappers from '../../node_modules/@azure/arm-cognitiveservices/dist/esm/models/mappers.js';

/**
 * Checks a request body against the REST shapes of the official management
 * SDK (@azure/arm-cognitiveservices 8.1.0, generated from Azure's
 * `cognitiveservices.json`, ARM api-version 2025-09-01): every member must be
 * a serialized name the shape lists, not read-only, of the listed type, and
 * required members must be present. The full Azure description (334 KB in
 * azure-rest-api-specs) is not vendored; the SDK's mappers are its generated copy.
 */
interface MapperType {
  name: string;
  className?: string;
  modelProperties?: Record<string, PropertyMapper>;
  value?: { type: MapperType };
  element?: { type: MapperType };
}
interface PropertyMapper {
  serializedName: string;
  readOnly?: boolean;
  required?: boolean;
  type: MapperType;
}

const byClass = mappers as unknown as Record<string, { type: MapperType }>;

function check(value: unknown, type: MapperType, path: string, errors: string[]): void {
  if (type.name === 'Composite') {
    const shape = type.modelProperties ?? byClass[type.className ?? '']?.type.modelProperties ?? {};
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      errors.push(`${path}: expected an object (${type.className})`);
      return;
    }
    const props = Object.values(shape);
    for (const [key, member] of Object.entries(value)) {
      const prop = props.find((p) => p.serializedName === key);
      if (!prop) errors.push(`${path}.${key}: not a member of ${type.className}`);
      else if (prop.readOnly) errors.push(`${path}.${key}: read-only in ${type.className}`);
      else check(member, prop.type, `${path}.${key}`, errors);
    }
    for (const p of props) {
      if (p.required && !(p.serializedName in value)) errors.push(`${path}.${p.serializedName}: required`);
    }
    return;
  }
  const expected: Record<string, string> = { String: 'string', Number: 'number', Boolean: 'boolean' };
  const want = expected[type.name];
  if (want && typeof value !== want) errors.push(`${path}: expected ${want}, got ${JSON.stringify(value)}`);
  if (type.name === 'Dictionary' && value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value))
      check(v, type.value?.type as MapperType, `${path}.${k}`, errors);
  }
  if (type.name === 'Sequence' && Array.isArray(value)) {
    for (const [i, v] of value.entries()) check(v, type.element?.type as MapperType, `${path}[${i}]`, errors);
  }
}

/** Problems of `body` as the named shape (e.g. `Deployment`); empty when it conforms. */
export function azureShapeErrors(className: string, body: unknown): string[] {
  const errors: string[] = [];
  check(body, { name: 'Composite', className }, className, errors);
  return errors;
}
