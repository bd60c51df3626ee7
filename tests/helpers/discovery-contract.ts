import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import protobuf from 'protobufjs';

/**
 * Request bodies checked against Google's API description: the Vertex AI v1
 * discovery document (trimmed copy in `fixtures/api/`, made by scripts/extract-api-fixtures.ts). Discovery schemas become JSON Schema
 * for ajv with three translations that follow what the REST transport sends:
 *
 *  - int64/uint64 are JSON strings (proto3 JSON), so they must be digit strings;
 *  - google-gax asks for `$alt=json;enum-encoding=int`, so an enum may also be
 *    the proto number of one of its names (read from the client's own protos:
 *    e.g. ADAPTER_SIZE_FOUR is 2, ADAPTER_SIZE_TWO is 6, not the list position);
 *  - a request may not carry output-only (`readOnly`) or undeclared fields, so a
 *    misspelt or invented field fails instead of being silently ignored.
 */

const DISCOVERY_PATH = fileURLToPath(
  new URL('../../fixtures/api/google_aiplatform_v1_discovery.subset.json', import.meta.url),
);

interface DiscoverySchema {
  id?: string;
  type?: string;
  format?: string;
  $ref?: string;
  enum?: string[];
  items?: DiscoverySchema;
  properties?: Record<string, DiscoverySchema>;
  additionalProperties?: DiscoverySchema;
  readOnly?: boolean;
}

interface DiscoveryMethod {
  id: string;
  httpMethod: string;
  flatPath?: string;
  path: string;
  request?: { $ref: string };
}

interface DiscoveryResource {
  methods?: Record<string, DiscoveryMethod>;
  resources?: Record<string, DiscoveryResource>;
}

interface DiscoveryDocument extends DiscoveryResource {
  schemas: Record<string, DiscoverySchema>;
}

let discovery: DiscoveryDocument | undefined;
function document(): DiscoveryDocument {
  discovery ??= JSON.parse(readFileSync(DISCOVERY_PATH, 'utf8')) as DiscoveryDocument;
  return discovery;
}

// The client's own proto descriptors, to translate enum names to numbers.
let protoIndex: Map<string, protobuf.Type> | undefined;
function protoTypes(): Map<string, protobuf.Type> {
  if (protoIndex) return protoIndex;
  const require = createRequire(import.meta.url);
  const json = require('@google-cloud/aiplatform/build/protos/protos.json') as protobuf.INamespace;
  const root = protobuf.Root.fromJSON(json);
  const index = new Map<string, protobuf.Type>();
  const prefix = '.google.cloud.aiplatform.v1.';
  const walk = (ns: protobuf.NamespaceBase) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type && nested.fullName.startsWith(prefix)) {
        // Discovery flattens nested messages: GenerateContentResponse.PromptFeedback → …GenerateContentResponsePromptFeedback.
        index.set(
          `GoogleCloudAiplatformV1${nested.fullName.slice(prefix.length).replace(/\./g, '')}`,
          nested,
        );
      }
      if (nested instanceof protobuf.Namespace) walk(nested);
    }
  };
  walk(root);
  protoIndex = index;
  return index;
}

function enumNumbers(schemaId: string | undefined, property: string, names: string[]): number[] {
  const type = schemaId ? protoTypes().get(schemaId) : undefined;
  const field = type?.fields[property];
  if (!field) return [];
  field.resolve();
  const resolved = field.resolvedType;
  if (!(resolved instanceof protobuf.Enum)) return [];
  return names.map((name) => resolved.values[name]).filter((n): n is number => typeof n === 'number');
}

type JsonSchema = Record<string, unknown>;

function translate(schema: DiscoverySchema, owner?: string, property?: string): JsonSchema {
  if (schema.$ref) return { $ref: `#/definitions/${schema.$ref}` };
  if (schema.enum) {
    const numbers = property ? enumNumbers(owner, property, schema.enum) : [];
    return { enum: [...schema.enum, ...numbers] };
  }
  switch (schema.type) {
    case 'object': {
      const out: JsonSchema = { type: 'object' };
      if (schema.properties) {
        const properties: Record<string, JsonSchema> = {};
        for (const [name, prop] of Object.entries(schema.properties)) {
          if (prop.readOnly) continue;
          properties[name] = translate(prop, schema.id, name);
        }
        out.properties = properties;
        out.additionalProperties = false;
      }
      if (schema.additionalProperties) out.additionalProperties = translate(schema.additionalProperties);
      return out;
    }
    case 'array':
      return { type: 'array', items: schema.items ? translate(schema.items, owner, property) : {} };
    case 'string':
      if (schema.format === 'int64' || schema.format === 'uint64')
        return { type: 'string', pattern: '^-?\\d+$' };
      if (schema.format === 'byte') return { type: 'string' };
      return { type: 'string' };
    case 'integer':
      return { type: 'integer' };
    case 'number':
      return { type: 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'any':
      return {};
    default:
      return {};
  }
}

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/** An ajv validator for one discovery schema, e.g. `GoogleCloudAiplatformV1TuningJob`. */
export function discoveryValidator(schemaName: string): ValidateFunction {
  const cached = validators.get(schemaName);
  if (cached) return cached;
  const doc = document();
  if (!doc.schemas[schemaName]) throw new Error(`No schema ${schemaName} in the discovery document`);
  if (!ajv) {
    const definitions: Record<string, JsonSchema> = {};
    for (const [name, schema] of Object.entries(doc.schemas))
      definitions[name] = translate({ ...schema, id: name });
    ajv = new Ajv({ allErrors: true, strict: false });
    ajv.addSchema({ $id: 'discovery', definitions });
  }
  const validate = ajv.compile({ $ref: `discovery#/definitions/${schemaName}` });
  validators.set(schemaName, validate);
  return validate;
}

/** Problems of a body against a schema, as readable lines; empty when it conforms. */
export function discoveryErrors(schemaName: string, body: unknown): string[] {
  const validate = discoveryValidator(schemaName);
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (e) => `${e.instancePath || '(root)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
  );
}

function methods(resource: DiscoveryResource, out: DiscoveryMethod[] = []): DiscoveryMethod[] {
  for (const method of Object.values(resource.methods ?? {})) out.push(method);
  for (const child of Object.values(resource.resources ?? {})) methods(child, out);
  return out;
}

/** The discovery method a REST call hits, matched on verb and path (`{x}` is one segment). */
export function discoveryMethodFor(httpMethod: string, url: string): DiscoveryMethod | undefined {
  const path = decodeURIComponent(new URL(url).pathname).replace(/^\//, '');
  return methods(document()).find((m) => {
    if (m.httpMethod !== httpMethod.toUpperCase()) return false;
    const pattern = (m.flatPath ?? m.path)
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\{[^}]+\}/g, '[^/:]+');
    return new RegExp(`^${pattern}$`).test(path);
  });
}

/**
 * Checks a captured request against the discovery method it hits: its body
 * against the method's request schema. Returns the schema name and problems.
 */
export function checkRequestAgainstDiscovery(request: { method: string; url: string; body: string }): {
  method?: string;
  schema?: string;
  errors: string[];
} {
  const method = discoveryMethodFor(request.method, request.url);
  if (!method)
    return { errors: [`${request.method} ${request.url} matches no method of the discovery document`] };
  if (!method.request) {
    return {
      method: method.id,
      errors: request.body ? [`${method.id} takes no body, got ${request.body}`] : [],
    };
  }
  let body: unknown;
  try {
    body = JSON.parse(request.body);
  } catch {
    return { method: method.id, schema: method.request.$ref, errors: ['body is not JSON'] };
  }
  return {
    method: method.id,
    schema: method.request.$ref,
    errors: discoveryErrors(method.request.$ref, body),
  };
}
