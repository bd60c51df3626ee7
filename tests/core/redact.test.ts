import { afterEach, describe, expect, it } from 'vitest';
import { redact, redactValue } from '../../src/redact.js';

describe('redact', () => {
  const saved = process.env.OPENAI_API_KEY;
  afterEach(() => {
    if (saved === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = saved;
  });

  it('removes the values of secret environment variables wherever they appear', () => {
    process.env.OPENAI_API_KEY = 'canary-key-0123456789';
    expect(redact('401 for key canary-key-0123456789 at /v1/files')).toBe(
      '401 for key [REDACTED] at /v1/files',
    );
  });

  it('removes credential-shaped strings that came from elsewhere', () => {
    expect(redact('Authorization: Bearer sk-proj-abcdefghijklmnopqrstuv')).not.toContain('abcdefghij');
    expect(redact('key AKIAIOSFODNN7EXAMPLE used')).toBe('key [REDACTED] used');
    expect(redactValue({ nested: ['sk-abcdefghijklmnopqrstuvwx'] })).toEqual({ nested: ['[REDACTED]'] });
  });
});
