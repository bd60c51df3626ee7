/**
 * Trims the official API descriptions in ../shared/data down to what the
 * contract tests use, and writes them to fixtures/api/ (the full files are
 * 2–4 MB each and not part of a clean clone). Each trimmed file keeps the
 * original's content byte-for-byte in the parts it keeps: the operations or
 * paths polytune calls, and every schema or shape they reach through $ref.
 *
 *   npx tsx scripts/extract-api-fixtures.ts [../shared/data]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const source = process.argv[2] ?? '../shared/data';
const target = 'fixtures/api';
mkdirSync(target, { recursive: true });

type Json = Record<string, unknown>;
const read = (name: string) => {
  const text = readFileSync(join(source, name), 'utf8');
  return { json: JSON.parse(text) as Json, sha256: createHash('sha256').update(text).digest('hex') };
};

/** Every string value of key `key` anywhere in a value (e.g. all `$ref`s). */
function collect(value: unknown, key: string, into: Set<string>): void {
  if (Array.isArray(value)) for (const v of value) collect(v, key, into);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === key && typeof v === 'string') into.add(v);
      else collect(v, key, into);
    }
  }
}

/** The closure of names reachable from `roots` through `refsOf`. */
function closure(roots: Iterable<string>, refsOf: (name: string) => Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const name = queue.pop() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    queue.push(...refsOf(name));
  }
  return seen;
}

function write(name: string, value: Json, from: string, sha256: string): void {
  const body = { 'x-polytune-subset-of': { file: from, sha256 }, ...value };
  writeFileSync(join(target, name), `${JSON.stringify(body)}\n`);
  console.log(`${name}: ${(JSON.stringify(body).length / 1024).toFixed(0)} KB`);
}

// OpenAI OpenAPI: the paths polytune calls, and the component schemas they reach.
{
  const { json, sha256 } = read('openai_openapi.json');
  const paths = Object.fromEntries(
    Object.entries(json.paths as Json).filter(
      ([p]) =>
        p === '/chat/completions' ||
        p.startsWith('/files') ||
        p.startsWith('/fine_tuning/jobs') ||
        p.startsWith('/batches'),
    ),
  );
  const schemas = (json.components as { schemas: Json }).schemas;
  const refs = new Set<string>();
  collect(paths, '$ref', refs);
  const names = closure(
    [...refs].map((r) => r.replace('#/components/schemas/', '')),
    (name) => {
      const inner = new Set<string>();
      collect(schemas[name], '$ref', inner);
      return [...inner].map((r) => r.replace('#/components/schemas/', ''));
    },
  );
  write(
    'openai_openapi.subset.json',
    {
      openapi: json.openapi,
      info: json.info,
      paths,
      components: {
        schemas: Object.fromEntries(
          [...names]
            .sort()
            .filter((n) => schemas[n])
            .map((n) => [n, schemas[n]]),
        ),
      },
    },
    'openai_openapi.json',
    sha256,
  );
}

// Vertex AI discovery: the tuningJobs, endpoints and publisher-model resources, and their schemas.
{
  const { json, sha256 } = read('google_aiplatform_v1_discovery.json');
  const keep = (resource: Json, path: string[]): Json | undefined => {
    const out: Json = {};
    const methods = resource.methods as Json | undefined;
    const name = path.join('.');
    if (methods && /(^|\.)(tuningJobs|endpoints|models|batchPredictionJobs)$/.test(name))
      out.methods = methods;
    const children = resource.resources as Record<string, Json> | undefined;
    if (children) {
      const kept: Json = {};
      for (const [k, v] of Object.entries(children)) {
        const child = keep(v, [...path, k]);
        if (child) kept[k] = child;
      }
      if (Object.keys(kept).length) out.resources = kept;
    }
    return Object.keys(out).length ? out : undefined;
  };
  const resources = keep({ resources: json.resources } as Json, [])?.resources as Json;
  const schemas = json.schemas as Json;
  const refs = new Set<string>();
  collect(resources, '$ref', refs);
  const names = closure(refs, (name) => {
    const inner = new Set<string>();
    collect(schemas[name], '$ref', inner);
    return inner;
  });
  const { resources: _r, schemas: _s, ...rest } = json;
  write(
    'google_aiplatform_v1_discovery.subset.json',
    { ...rest, resources, schemas: Object.fromEntries([...names].sort().map((n) => [n, schemas[n]])) },
    'google_aiplatform_v1_discovery.json',
    sha256,
  );
}

// SageMaker botocore models: the operations polytune calls, and the shapes they reach.
for (const [file, operations] of [
  [
    'aws_sagemaker_2017-07-24_botocore_service-2.json',
    [
      'CreateTrainingJob',
      'DescribeTrainingJob',
      'StopTrainingJob',
      'ListTrainingJobs',
      'AddTags',
      'CreateModel',
      'DescribeModel',
      'DeleteModel',
      'CreateEndpointConfig',
      'DescribeEndpointConfig',
      'DeleteEndpointConfig',
      'CreateEndpoint',
      'DescribeEndpoint',
      'DeleteEndpoint',
    ],
  ],
  ['aws_sagemaker-runtime_2017-05-13_botocore_service-2.json', ['InvokeEndpoint']],
] as const) {
  const { json, sha256 } = read(file);
  const ops = json.operations as Record<string, Json>;
  const shapes = json.shapes as Record<string, Json>;
  const roots = new Set<string>();
  for (const op of operations) collect(ops[op], 'shape', roots);
  const names = closure(roots, (name) => {
    const inner = new Set<string>();
    collect(shapes[name], 'shape', inner);
    return inner;
  });
  write(
    file.replace('.json', '.subset.json'),
    {
      version: json.version,
      metadata: json.metadata,
      operations: Object.fromEntries(operations.map((op) => [op, ops[op]])),
      shapes: Object.fromEntries([...names].sort().map((n) => [n, shapes[n]])),
    },
    file,
    sha256,
  );
}

// SageMaker Smithy models (patterns keep their ^…$ anchors, which the botocore copies drop): the
// operations polytune calls, and every shape their inputs and outputs reach through `target`.
for (const [file, namespace, operations] of [
  [
    'aws_sagemaker_2017-07-24_smithy.json',
    'com.amazonaws.sagemaker#',
    [
      'CreateTrainingJob',
      'DescribeTrainingJob',
      'StopTrainingJob',
      'ListTags',
      'CreateModel',
      'CreateEndpointConfig',
      'CreateEndpoint',
      'DescribeEndpoint',
      'DeleteEndpoint',
      'DeleteEndpointConfig',
      'DeleteModel',
      'DescribeHubContent',
      'ListHubContents',
    ],
  ],
  ['aws_sagemaker-runtime_2017-05-13_smithy.json', 'com.amazonaws.sagemakerruntime#', ['InvokeEndpoint']],
] as const) {
  const { json, sha256 } = read(file);
  const shapes = json.shapes as Record<string, Json>;
  const roots = new Set<string>();
  for (const op of operations) {
    roots.add(`${namespace}${op}`);
    for (const io of ['input', 'output'] as const) {
      const target = (shapes[`${namespace}${op}`]?.[io] as Json | undefined)?.target;
      if (typeof target === 'string') roots.add(target);
    }
  }
  const names = closure(roots, (name) => {
    const inner = new Set<string>();
    const { errors: _errors, ...rest } = shapes[name] ?? {};
    collect(rest, 'target', inner);
    return [...inner].filter((t) => t in shapes && shapes[t]?.type !== 'operation');
  });
  write(
    file.replace('.json', '.subset.json'),
    { smithy: json.smithy, shapes: Object.fromEntries([...names].sort().map((n) => [n, shapes[n]])) },
    file,
    sha256,
  );
}
