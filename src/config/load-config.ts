import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { PolytuneError } from '../errors.js';
import { type PolytuneConfig, PolytuneConfigSchema } from './config-schema.js';

export const CONFIG_FILE_NAMES = [
  'polytune.config.json',
  'polytune.config.yaml',
  'polytune.config.yml',
  'polytune.config.js',
  'polytune.config.mjs',
  'polytune.config.ts',
] as const;

export interface LoadedConfig {
  config: PolytuneConfig;
  /** The file it came from; undefined when none was found (defaults apply). */
  file?: string;
  /** Folder relative paths in the config are resolved against. */
  baseDir: string;
}

/** Walks up from `startDir` to the filesystem root and returns the first config file found. */
export function findConfigFile(startDir: string = process.cwd()): string | undefined {
  let dir = resolve(startDir);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = join(dir, name);
      if (existsSync(candidate)) return candidate;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

async function readRaw(file: string): Promise<unknown> {
  if (file.endsWith('.json')) {
    const text = await readFile(file, 'utf8');
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new PolytuneError('INVALID_INPUT', `Config file is not valid JSON: ${(error as Error).message}`, {
        file,
        hint: 'Fix the JSON syntax, or use polytune.config.yaml.',
      });
    }
  }
  if (file.endsWith('.yaml') || file.endsWith('.yml')) {
    try {
      return parseYaml(await readFile(file, 'utf8'));
    } catch (error) {
      throw new PolytuneError('INVALID_INPUT', `Config file is not valid YAML: ${(error as Error).message}`, {
        file,
      });
    }
  }
  try {
    const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
    return module.default ?? module;
  } catch (error) {
    const hint = file.endsWith('.ts')
      ? 'TypeScript config files need Node >= 22.18 (built-in type stripping); on older Node use polytune.config.json or .mjs.'
      : 'Check that the file exports the config as its default export.';
    throw new PolytuneError('INVALID_INPUT', `Could not load config file: ${(error as Error).message}`, {
      file,
      hint,
      cause: error,
    });
  }
}

/** Loads and validates the config file found from `startDir` (or `explicitFile`); defaults when none exists. */
export async function loadConfig(
  options: { startDir?: string; explicitFile?: string } = {},
): Promise<LoadedConfig> {
  const file = options.explicitFile ? resolve(options.explicitFile) : findConfigFile(options.startDir);
  if (!file)
    return { config: PolytuneConfigSchema.parse({}), baseDir: resolve(options.startDir ?? process.cwd()) };
  if (!existsSync(file)) {
    throw new PolytuneError('USAGE', `Config file not found: ${file}`, { hint: 'Check the --config path.' });
  }
  const parsed = PolytuneConfigSchema.safeParse((await readRaw(file)) ?? {});
  if (!parsed.success) {
    throw new PolytuneError('INVALID_INPUT', `Invalid config:\n${z.prettifyError(parsed.error)}`, {
      file,
      hint: 'See the README section "Configuration" for the allowed keys.',
    });
  }
  return { config: parsed.data, file, baseDir: dirname(file) };
}

/** The settings a provider's factory receives: config section first, flags on top. */
export function providerSettings(
  loaded: LoadedConfig,
  providerId: string,
  flags: Record<string, unknown> = {},
): Record<string, unknown> {
  const fromConfig = loaded.config.providers[providerId] ?? {};
  const prices = loaded.config.prices[providerId];
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  return { ...fromConfig, ...(prices ? { prices } : {}), ...defined };
}

/** The ledger folder: flag, then config (relative to the config file), then `.polytune` in the working dir. */
export function ledgerDirFor(loaded: LoadedConfig, flag?: string): string {
  if (flag) return resolve(flag);
  if (loaded.config.ledgerDir) return resolve(loaded.baseDir, loaded.config.ledgerDir);
  return resolve(process.cwd(), '.polytune');
}
