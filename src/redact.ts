/**
 * Secrets never reach logs, reports, caches or errors. Everything polytune
 * prints or writes that may contain text from a provider or the environment
 * goes through `redact`.
 */

/** Environment variables whose values are secrets for the providers we talk to. */
export const SECRET_ENV_VARS = [
  'OPENAI_API_KEY',
  'AZURE_OPENAI_API_KEY',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ACCESS_KEY_ID',
  'GOOGLE_API_KEY',
  'POLYTUNE_JUDGE_API_KEY',
] as const;

// Shapes of well-known credentials, for secrets that did not come from our env vars.
const SECRET_PATTERNS: RegExp[] = [
  /\bsk-[A-Za-z0-9_-]{16,}/g, // OpenAI keys (sk-..., sk-proj-...)
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, // AWS access key ids
  /\bya29\.[A-Za-z0-9_.-]{20,}/g, // Google OAuth access tokens
  /\bAIza[A-Za-z0-9_-]{35}\b/g, // Google API keys
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  /(["']?(?:api[_-]?key|authorization|x-api-key|secret[_-]?access[_-]?key|private_key)["']?\s*[:=]\s*["']?)(?:Bearer\s+)?[^\s"',}]{8,}/gi,
];

// Every pattern above needs one of these substrings; text without any skips the replaces (most model output).
const MAYBE_PATTERN =
  /sk-|AKIA|ASIA|ya29\.|AIza|-----BEGIN|api[_-]?key|authorization|secret[_-]?access[_-]?key|private_key/i;

const extraSecrets = new Set<string>();

/** Registers a secret that did not come from the environment (e.g. a key passed in code). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 6) extraSecrets.add(value);
}

// The sorted list is rebuilt only when an env value or the registered set changed (redact runs per result line).
let cachedSecrets: string[] = [];
const cachedEnv: (string | undefined)[] = [];
let cachedExtra = -1;

function knownSecrets(): string[] {
  let same = cachedExtra === extraSecrets.size;
  for (let i = 0; i < SECRET_ENV_VARS.length; i++) {
    const value = process.env[SECRET_ENV_VARS[i] as string];
    if (cachedEnv[i] !== value) {
      cachedEnv[i] = value;
      same = false;
    }
  }
  if (same) return cachedSecrets;
  const values: string[] = [...extraSecrets];
  for (const value of cachedEnv) if (value && value.length >= 6) values.push(value);
  // Longest first so a secret containing another is replaced whole.
  cachedSecrets = values.sort((a, b) => b.length - a.length);
  cachedExtra = extraSecrets.size;
  return cachedSecrets;
}

export function redact(text: string): string {
  return redactWith(knownSecrets(), text);
}

/**
 * One redactor for several strings redacted in the same synchronous step (the fields
 * of one results line): the environment is read once for all of them instead of once
 * each. Use it at once and drop it; no code runs between its calls that could set a
 * secret it would miss.
 */
export function redactor(): (text: string) => string {
  const secrets = knownSecrets();
  return (text) => redactWith(secrets, text);
}

function redactWith(secrets: readonly string[], text: string): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  if (!MAYBE_PATTERN.test(out)) return out;
  for (const pattern of SECRET_PATTERNS) {
    out = out.replace(pattern, (match, prefix?: string) =>
      typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}[REDACTED]` : '[REDACTED]',
    );
  }
  return out;
}

/** Deep-redacts every string in a JSON-like value. */
export function redactValue<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactValue(v)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactValue(v);
    return out as T;
  }
  return value;
}
