import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from './headless-chromium.js';

/**
 * Screenshot of a report.html for the README, taken with the same headless
 * Chromium the tests use:
 *   npx tsx scripts/report-screenshot.ts polytune-demo/eval/report.html docs/report.png [#section]
 * With a section id, the shot starts at that section.
 */
const [html = 'polytune-demo/eval/report.html', png = 'docs/report.png', section] = process.argv.slice(2);

const { browser, close } = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(resolve(html)).href, { waitUntil: 'load' });
  await page.waitForSelector('html[data-rendered="true"]');
  if (section) await page.evaluate(`document.querySelector(${JSON.stringify(section)}).scrollIntoView()`);
  await page.screenshot({ path: png, fullPage: false });
  console.log(`wrote ${png}`);
} finally {
  await close();
}
