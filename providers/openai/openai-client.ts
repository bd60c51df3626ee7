import OpenAI, { AzureOpenAI } from 'openai';
import { Agent } from 'undici';
import { PolytuneError } from '../../src/errors.js';
import type { ResolvedOpenAISettings } from './openai-options.js';

/**
 * The SDK's own `fetch` option, routed through one keep-alive undici Agent.
 * Node 20's bundled undici is older and slower at eval concurrency (measured
 * in bench/RESULTS.md); calling the global `fetch` keeps test interception
 * (msw patches it) and proxies set by the user working.
 */
let sharedAgent: Agent | undefined;
const agentFetch = ((url: string | URL | Request, init?: RequestInit) => {
  sharedAgent ??= new Agent({ connections: 256, keepAliveTimeout: 30_000 });
  // `dispatcher` is undici's extension of RequestInit (types differ between the bundled and npm undici).
  return globalThis.fetch(url, { ...init, dispatcher: sharedAgent } as unknown as RequestInit);
}) as typeof globalThis.fetch;

/** `openai` or, with `azure` settings, `azure`: the label on errors and HTTP provenance. */
export function endpointLabel(settings: ResolvedOpenAISettings): 'openai' | 'azure' {
  return settings.azure ? 'azure' : 'openai';
}

/** Builds the SDK client: `AzureOpenAI` with `azure` settings, else `OpenAI` (any compatible `baseURL`). */
export function buildClient(settings: ResolvedOpenAISettings): OpenAI {
  const common = { maxRetries: 0, timeout: settings.requestTimeoutMs, fetch: agentFetch };
  if (settings.azure) {
    const apiKey = settings.apiKey ?? process.env.AZURE_OPENAI_API_KEY;
    const endpoint = settings.azure.endpoint ?? process.env.AZURE_OPENAI_ENDPOINT;
    if (!apiKey || !endpoint) {
      throw new PolytuneError('AUTH', 'Azure OpenAI needs an API key and an endpoint.', {
        hint: 'Set AZURE_OPENAI_API_KEY and AZURE_OPENAI_ENDPOINT (or `azure.endpoint` in the config).',
      });
    }
    return new AzureOpenAI({
      ...common,
      apiKey,
      endpoint,
      apiVersion: settings.azure.apiVersion ?? process.env.OPENAI_API_VERSION ?? '2025-04-01-preview',
      ...(settings.azure.deployment ? { deployment: settings.azure.deployment } : {}),
    });
  }
  const apiKey = settings.apiKey ?? process.env.OPENAI_API_KEY;
  if (!apiKey) {
    throw new PolytuneError('AUTH', 'No OpenAI API key.', {
      hint: 'Set OPENAI_API_KEY (and OPENAI_BASE_URL for an OpenAI-compatible endpoint).',
    });
  }
  return new OpenAI({
    ...common,
    apiKey,
    baseURL: settings.baseURL ?? process.env.OPENAI_BASE_URL ?? undefined,
    organization: settings.organization ?? process.env.OPENAI_ORG_ID ?? null,
    project: settings.project ?? process.env.OPENAI_PROJECT_ID ?? null,
  });
}

/** The calendar is OpenAI's: enforced on api.openai.com, a warning on compatible endpoints, off on Azure. */
export function calendarModeFor(settings: ResolvedOpenAISettings): 'enforce' | 'warn' | 'off' {
  if (settings.azure) return 'off';
  const base = settings.baseURL ?? process.env.OPENAI_BASE_URL;
  if (!base) return 'enforce';
  return new URL(base).hostname === 'api.openai.com' ? 'enforce' : 'warn';
}
