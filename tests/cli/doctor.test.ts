import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

describe('polytune doctor', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    vi.restoreAllMocks();
  });

  it('reports which providers are configured without printing a secret, and the ONNX device', async () => {
    process.env.OPENAI_API_KEY = 'sk-canary-doctor-0123456789abcdef';
    process.env.AWS_ACCESS_KEY_ID = 'AKIACANARYDOCTOR0000';
    process.env.AWS_SECRET_ACCESS_KEY = 'canary-aws-secret-doctor';
    process.env.AWS_REGION = 'eu-west-1';
    const printed: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      printed.push(String(chunk));
      return true;
    });
    expect(await main(['doctor', '--json'])).toBe(0);
    const text = printed.join('');
    expect(text).not.toContain('canary');
    const report = JSON.parse(printed.join('')) as {
      checks: { provider: string; ok: boolean; message: string }[];
    };
    const byProvider = Object.fromEntries(report.checks.map((c) => [c.provider, c]));
    expect(byProvider.openai?.ok).toBe(true);
    expect(byProvider.sagemaker?.message).toContain('roleArn');
    expect(byProvider['local-onnx']?.ok).toBe(true);
    expect(byProvider['local-onnx']?.message).toMatch(/(CPU|CUDA) execution provider/);
  });
});
