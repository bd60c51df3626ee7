import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

/** The system Chromium (Debian's `chromium` package) that the report test, bench and screenshot drive. */
export const CHROMIUM = '/usr/bin/chromium';

export const chromiumPresent = () => existsSync(CHROMIUM);

/**
 * Headless Chromium with nothing that reaches the network on its own (updates,
 * sync, QUIC probes). playwright gives it a fresh, empty profile in a temporary
 * folder and removes it on close.
 */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    close: () => browser.close(),
  };
}
