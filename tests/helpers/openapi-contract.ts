import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';

/**
 * Validates request bodies against an OpenAPI description's schemas with ajv
 * (draft 2020-12). The OpenAI description is 3.1 but keeps 3.0 habits, which
 * are normalised first: boolean `exclusiveMinimum`/`exclusiveMaximum` become
 * numeric, `nullable: true` becomes a `null` type (or an `anyOf` with null).
 * `x-…` keywords pass under `strict: false`; formats such as `binary` are not checked.
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

function templateToRegex(template: string): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${escaped}$`);
}

export function loadOpenAPIContract(file: string) {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as {
    paths: Record<
      string,
      Record<string, { requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> } }>
    >;
    components: { schemas: Record<string, unknown> };
  };
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'openapi.json', components: { schemas: normaliseSchema(doc.components.schemas) } });
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
