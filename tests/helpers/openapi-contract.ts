import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * Validates request bodies against an OpenAPI description's schemas with ajv
 * (draft 2020-12). The OpenAI description is 3.1 but keeps 3.0 habits, which
 * are normalised first: boolean `exclusiveMinimum`/`exclusiveMaximum` become
 * numeric, `nullable: true` becomes a `null` type (or an `anyOf` with null).
 * `x-…` keywords pass under `strict: false`; formats such as `binary` are not checked.
 * Object schemas are closed where the description lists their members (see
 * `closeSchemas`), so an unknown or misspelt field (`n_epoch`) fails.
 *
 *   const contract = loadOpenAPIContract('fixtures/api/openai_openapi.subset.json');
 *   contract.validateRequest('POST', '/fine_tuning/jobs', body)   // → { ok, errors, schema }
 */
export interface ContractResult {
  ok: boolean;
  /** `#/components/schemas/<Name>` the body was checked against. */
  schema: string;
  errors: string[];
}

type Json = Record<string, unknown>;

/** Rewrites one schema node's OpenAPI 3.0 habits into JSON Schema 2020-12. */
export function normaliseSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(normaliseSchema);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) out[k] = normaliseSchema(v);
  for (const [bound, limit] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    if (typeof out[bound] === 'boolean') {
      if (out[bound] === true && typeof out[limit] === 'number') {
        out[bound] = out[limit];
        delete out[limit];
      } else delete out[bound];
    }
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
    } else {
      return { anyOf: [out, { type: 'null' }] };
    }
  } else if (out.nullable === false) delete out.nullable;
  return out;
}

/** Names of component schemas used as `allOf` members: closing them would refuse their siblings' fields. */
function allOfMembers(node: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) allOfMembers(n, into);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node as Json)) {
      if (k === 'allOf' && Array.isArray(v)) {
        for (const member of v) {
          const ref = (member as Json | undefined)?.$ref;
          if (typeof ref === 'string') into.add(ref.replace('#/components/schemas/', ''));
        }
      }
      allOfMembers(v, into);
    }
  }
  return into;
}

/**
 * Adds `additionalProperties: false` to every object schema that lists
 * `properties` and says nothing about others, and `unevaluatedProperties: false`
 * to an `allOf` composition (whose members stay open, since each lists only
 * part of the fields). Inline `allOf` members and shared ones are left open.
 */
function close(node: unknown, open: boolean): unknown {
  if (Array.isArray(node)) return node.map((n) => close(n, open));
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    out[k] = k === 'allOf' && Array.isArray(v) ? v.map((m) => close(m, true)) : close(v, k === 'properties');
  }
  const says = 'additionalProperties' in out || 'unevaluatedProperties' in out;
  if (!open && !says && out.properties && typeof out.properties === 'object')
    out.additionalProperties = false;
  if (!open && !says && Array.isArray(out.allOf)) out.unevaluatedProperties = false;
  return out;
}

export function closeSchemas(schemas: Json): Json {
  const members = allOfMembers(schemas);
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => [name, close(schema, members.has(name))]),
  );
}

function templateToRegex(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${escaped}$`);
}

export function loadOpenAPIContract(file: string, options: { closed?: boolean } = {}) {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    paths: Record<
      string,
      Record<string, { requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> } }>
    >;
    components: { schemas: Record<string, unknown> };
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  const schemas = normaliseSchema(doc.components.schemas) as Json;
  ajv.addSchema({
    $id: 'openapi.json',
    components: { schemas: options.closed === false ? schemas : closeSchemas(schemas) },
  });
  const compiled = new Map<string, ValidateFunction>();
  const paths = Object.keys(doc.paths).map((p) => ({ template: p, regex: templateToRegex(p) }));

  function validator(ref: string): ValidateFunction {
    let fn = compiled.get(ref);
    if (!fn) {
      fn = ajv.compile({ $ref: `openapi.json${ref}` });
      compiled.set(ref, fn);
    }
    return fn;
  }

  function describe(errors: ErrorObject[] | null | undefined): string[] {
    return (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`.trim());
  }

  return {
    /** Validates `body` against `#/components/schemas/<name>`. */
    validateSchema(name: string, body: unknown): ContractResult {
      const schema = `#/components/schemas/${name}`;
      const fn = validator(schema);
      const ok = fn(body) as boolean;
      return { ok, schema, errors: ok ? [] : describe(fn.errors) };
    },
    /** The request-body schema ref of an operation (`POST /fine_tuning/jobs`), by path template match. */
    requestSchemaRef(method: string, path: string): string | undefined {
      const match = paths.find((p) => p.regex.test(path));
      const operation = match ? doc.paths[match.template]?.[method.toLowerCase()] : undefined;
      const content = operation?.requestBody?.content ?? {};
      return (content['application/json'] ?? content['multipart/form-data'])?.schema?.$ref;
    },
    /** Validates a request body against its operation's schema; fails when the operation has none. */
    validateRequest(method: string, path: string, body: unknown): ContractResult {
      const ref = this.requestSchemaRef(method, path);
      if (!ref) return { ok: false, schema: '(none)', errors: [`no request schema for ${method} ${path}`] };
      const fn = validator(ref);
      const ok = fn(body) as boolean;
      return { ok, schema: ref, errors: ok ? [] : describe(fn.errors) };
    },
  };
}

export type OpenAPIContract = ReturnType<typeof loadOpenAPIContract>;
