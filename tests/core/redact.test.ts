import { afterEach, describe, expect, it } from 'vitest';
import { redact, redactor, redactValue } from '../../src/redact.js';

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

  it('redacts several strings with one read of the environment, as redact does each', () => {
    process.env.OPENAI_API_KEY = 'canary-key-9876543210';
    const clean = redactor();
    expect(clean('key canary-key-9876543210')).toBe('key [REDACTED]');
    expect(clean('x-api-key: abcdefghijklmnop')).toBe(redact('x-api-key: abcdefghijklmnop'));
    // A redactor made after the change sees the new secret.
    process.env.OPENAI_API_KEY = 'second-canary-key-000';
    expect(redactor()('second-canary-key-000')).toBe('[REDACTED]');
  });
});
