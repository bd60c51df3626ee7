import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DescribeHubContentCommand,
  type DescribeHubContentCommandOutput,
  ListHubContentsCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { PolytuneError } from '../../src/errors.js';
import { writeJsonAtomic } from '../../src/files/write-atomic.js';
import { type RetryOptions, withRetry } from '../../src/retry.js';
import { type JumpStartModel, parseHubDocument } from './jumpstart-document.js';
import { isNotFound, toPolytuneError } from './sagemaker-errors.js';

/**
 * JumpStart's own catalogue: `SageMakerPublicHub`, read with DescribeHubContent
 * and ListHubContents (the calls the SageMaker Python SDK's hub code makes).
 * Each resolved document is cached as `<cacheDir>/<model>@<version>.json`, so a
 * pinned version never needs the network again and the plan can name it.
 */
export const PUBLIC_HUB = 'SageMakerPublicHub';

export interface HubContext {
  sagemaker(): SageMakerClient;
  hubName: string;
  cacheDir: string;
  retry: RetryOptions;
}

/** `meta-textgeneration-llama-3-8b@2.1.0` → id and version; no `@` → the latest version. */
export function parseModelRef(baseModel: string): { id: string; version?: string } {
  const at = baseModel.lastIndexOf('@');
  return at > 0 ? { id: baseModel.slice(0, at), version: baseModel.slice(at + 1) } : { id: baseModel };
}

function cacheFile(ctx: HubContext, id: string, version: string): string {
  return join(ctx.cacheDir, `${id}@${version}.json`);
}

async function readCached(ctx: HubContext, id: string, version: string): Promise<JumpStartModel | undefined> {
  try {
    const cached = JSON.parse(await readFile(cacheFile(ctx, id, version), 'utf8')) as Omit<
      JumpStartModel,
      'document'
    > & { documentText: string };
    return { ...cached, document: parseHubDocument(cached.documentText, id, version) };
  } catch {
    return undefined; // absent or unreadable: ask the hub
  }
}

async function writeCached(ctx: HubContext, model: JumpStartModel, documentText: string): Promise<void> {
  await mkdir(ctx.cacheDir, { recursive: true });
  const { document: _document, ...rest } = model;
  const file = cacheFile(ctx, model.id, model.version);
  // Atomic: a crash never leaves half a document behind.
  await writeJsonAtomic(file, { ...rest, documentText });
}

/** The newest cached version of a model, for when the hub cannot be reached. */
async function newestCached(ctx: HubContext, id: string): Promise<JumpStartModel | undefined> {
  const files = await readdir(ctx.cacheDir).catch(() => [] as string[]);
  const versions = files
    .filter((f) => f.startsWith(`${id}@`) && f.endsWith('.json'))
    .map((f) => f.slice(id.length + 1, -'.json'.length))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const newest = versions.at(-1);
  return newest ? readCached(ctx, id, newest) : undefined;
}

async function describe(
  ctx: HubContext,
  id: string,
  version?: string,
): Promise<DescribeHubContentCommandOutput> {
  return withRetry(async () => {
    try {
      return await ctx.sagemaker().send(
        new DescribeHubContentCommand({
          HubName: ctx.hubName,
          HubContentType: 'Model',
          HubContentName: id,
          ...(version ? { HubContentVersion: version } : {}),
        }),
      );
    } catch (error) {
      if (isNotFound(error)) {
        throw new PolytuneError(
          'UNSUPPORTED',
          `JumpStart has no model ${id}${version ? ` version ${version}` : ''} in ${ctx.hubName}.`,
          {
            cause: error,
            isRetryable: false,
            hint: 'List what can be fine-tuned with `polytune models --provider sagemaker`; model ids look like meta-textgeneration-llama-3-8b.',
          },
        );
      }
      throw toPolytuneError(error, `DescribeHubContent ${id}`);
    }
  }, ctx.retry);
}

/**
 * The hub document of a model: from the cache when the version is pinned and
 * cached, else from the hub (then cached). When the hub cannot be reached and
 * no version is pinned, the newest cached version is used and `offline` says so.
 */
export async function resolveJumpStartModel(
  ctx: HubContext,
  baseModel: string,
): Promise<JumpStartModel & { offline?: boolean }> {
  const { id, version } = parseModelRef(baseModel);
  if (version) {
    const cached = await readCached(ctx, id, version);
    if (cached) return cached;
  }
  let answer: DescribeHubContentCommandOutput;
  try {
    answer = await describe(ctx, id, version);
  } catch (error) {
    const fallback =
      error instanceof PolytuneError && error.code === 'UNSUPPORTED'
        ? undefined
        : await newestCached(ctx, id);
    if (!fallback || version) throw error;
    return { ...fallback, offline: true };
  }
  const resolvedVersion = answer.HubContentVersion ?? version ?? 'unknown';
  const text = answer.HubContentDocument ?? '{}';
  const model: JumpStartModel = {
    id,
    version: resolvedVersion,
    ...(answer.HubContentArn ? { arn: answer.HubContentArn } : {}),
    ...(answer.CreationTime ? { createdAt: new Date(answer.CreationTime).toISOString() } : {}),
    document: parseHubDocument(text, id, resolvedVersion),
  };
  await writeCached(ctx, model, text);
  return model;
}

export interface HubModelSummary {
  id: string;
  version: string;
  createdAt?: string;
  displayName?: string;
  keywords: string[];
}

/** Every model in the hub (all pages of ListHubContents), newest version of each. */
export async function listHubModels(ctx: HubContext, nameContains?: string): Promise<HubModelSummary[]> {
  const out: HubModelSummary[] = [];
  let token: string | undefined;
  do {
    const page = await withRetry(async () => {
      try {
        return await ctx.sagemaker().send(
          new ListHubContentsCommand({
            HubName: ctx.hubName,
            HubContentType: 'Model',
            MaxResults: 100,
            ...(nameContains ? { NameContains: nameContains } : {}),
            ...(token ? { NextToken: token } : {}),
          }),
        );
      } catch (error) {
        throw toPolytuneError(error, 'ListHubContents');
      }
    }, ctx.retry);
    for (const item of page.HubContentSummaries ?? []) {
      if (!item.HubContentName || !item.HubContentVersion) continue;
      out.push({
        id: item.HubContentName,
        version: item.HubContentVersion,
        ...(item.CreationTime ? { createdAt: new Date(item.CreationTime).toISOString() } : {}),
        ...(item.HubContentDisplayName ? { displayName: item.HubContentDisplayName } : {}),
        keywords: item.HubContentSearchKeywords ?? [],
      });
    }
    token = page.NextToken;
  } while (token);
  return out;
}
