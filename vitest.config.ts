import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Tests write ledgers, caches and reports under temp dirs; keep workers few on 2 cores.
    maxWorkers: 2,
  },
});
