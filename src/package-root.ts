import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder holding polytune's own package.json. Bundled assets (the default
 * ONNX base, the demo dataset) are found from here, so the same code works when
 * run from source (`src/…`) and from the build (`dist/src/…`).
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'polytune') {
          cached = dir;
          return dir;
        }
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('polytune: cannot find the package root (package.json named "polytune").');
    dir = parent;
  }
}

/** A path inside the package, e.g. `packagePath('models', 'default-base')`. */
export function packagePath(...parts: string[]): string {
  return join(packageRoot(), ...parts);
}

/** polytune's version, from its package.json. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
}
