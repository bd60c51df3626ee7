import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findConfigFile, ledgerDirFor, loadConfig, providerSettings } from '../../src/config/load-config.js';
import { PolytuneError } from '../../src/errors.js';

function tempProject(): string {
  return mkdtempSync(join(tmpdir(), 'polytune-config-'));
}

describe('the config file', () => {
  it('is found by walking up from a nested working directory', async () => {
    const root = tempProject();
    writeFileSync(
      join(root, 'polytune.config.yaml'),
      'providers:\n  vertex:\n    project: acme\n    location: europe-west4\n',
    );
    const nested = join(root, 'a', 'b');
    mkdirSync(nested, { recursive: true });
    expect(findConfigFile(nested)).toBe(join(root, 'polytune.config.yaml'));
    const loaded = await loadConfig({ startDir: nested });
    expect(providerSettings(loaded, 'vertex', { location: 'us-central1', bucket: undefined })).toEqual({
      project: 'acme',
      location: 'us-central1',
    });
  });

  it('resolves the ledger folder against the config file, and flags win', async () => {
    const root = tempProject();
    writeFileSync(join(root, 'polytune.config.json'), JSON.stringify({ ledgerDir: 'state/jobs' }));
    const loaded = await loadConfig({ startDir: root });
    expect(ledgerDirFor(loaded)).toBe(join(root, 'state/jobs'));
    expect(ledgerDirFor(loaded, join(root, 'other'))).toBe(join(root, 'other'));
  });

  it('passes price overrides to the provider with their source', async () => {
    const root = tempProject();
    writeFileSync(
      join(root, 'polytune.config.json'),
      JSON.stringify({ prices: { openai: { 'gpt-4.1-mini': { trainingPer1M: 4 } } } }),
    );
    const settings = providerSettings(await loadConfig({ startDir: root }), 'openai');
    expect(settings.prices).toEqual({
      'gpt-4.1-mini': { trainingPer1M: 4, source: 'user config', date: 'user config' },
    });
  });

  it('rejects unknown keys with the file named and a hint', async () => {
    const root = tempProject();
    writeFileSync(join(root, 'polytune.config.json'), JSON.stringify({ provider: {} }));
    const error = await loadConfig({ startDir: root }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolytuneError);
    expect((error as PolytuneError).code).toBe('INVALID_INPUT');
    expect((error as PolytuneError).file).toBe(join(root, 'polytune.config.json'));
  });

  it('falls back to defaults when no file exists', async () => {
    const loaded = await loadConfig({ startDir: tempProject() });
    expect(loaded.file).toBeUndefined();
    expect(loaded.config.providers).toEqual({});
  });
});
