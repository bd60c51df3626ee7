import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CHROMIUM, chromiumPresent, launchChromium } from '../../scripts/headless-chromium.js';
import { main } from '../../src/cli/main.js';
import { type FaultServer, startFaultServer } from '../helpers/fault-server.js';

/**
 * Hostile text in case inputs, model outputs and provider error bodies is
 * inert in every report and on the terminal: report.html in a real headless
 * Chromium runs no script, opens no dialog and makes no request, and shows the
 * text as text; summary.md carries no live HTML, links or images; junit.xml is
 * well-formed and round-trips the text; the terminal gets no control bytes.
 */

const ESC = '\u001b';
const PAYLOADS: Record<string, string> = {
  script: `<script>window.__pwned='script'</script>`,
  img: `<img src=x onerror="window.__pwned='img'">`,
  svg: `<svg onload="window.__pwned='svg'"><circle r=1></circle></svg>`,
  breakout: `</pre></td></tr></table></details><script>window.__pwned='breakout'</script><pre>`,
  iframe: `"><iframe src="javascript:parent.__pwned='iframe'"></iframe>`,
  link: `<a href="javascript:window.__pwned='link'" id=evil>click</a>`,
  style: `<style>body{background:url(http://127.0.0.1:9/style-leak)}</style>`,
  stylesheet: `<link rel=stylesheet href="http://127.0.0.1:9/sheet.css">`,
  meta: `<meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/refresh">`,
  mdImage: '![pixel](http://127.0.0.1:9/track.png) and <http://127.0.0.1:9/autolink>',
  mdLink: '[click me](javascript:alert(1)) | fake | cell |\n# Injected heading\n```\nfence',
  terminal: `clear${ESC}[2J${ESC}[H title${ESC}]0;pwned\u0007 link${ESC}]8;;http://127.0.0.1:9/x\u0007here${ESC}]8;;\u0007 csi\u009b31m red\rPASS overwrite`,
  xml: `]]><![CDATA[ & &amp; <?xml version="1.0"?> \ufffe nul:\u0000 end`,
};
const NAMES = Object.keys(PAYLOADS);

let dir: string;
let out: string;
let server: FaultServer;
let terminal = '';
const saved = { key: process.env.OPENAI_API_KEY };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'polytune-report-safety-'));
  out = join(dir, 'out');
  server = await startFaultServer({
    decide: ({ prompt }) => {
      const name = NAMES.find((n) => prompt === `in:${PAYLOADS[n]}`);
      if (name === 'terminal' || name === 'xml') {
        // The provider's error body carries the payload, so it reaches the error reason too.
        return {
          kind: 'body',
          status: 400,
          body: JSON.stringify({ error: { message: `bad: ${PAYLOADS[name]}` } }),
        };
      }
      return { kind: 'ok', content: name ? `out:${PAYLOADS[name]}` : 'ok' };
    },
    lifetimeMs: 60_000,
  });
  process.env.OPENAI_API_KEY = 'sk-report-safety-not-a-real-key-00';
  const suite = join(dir, 'suite.json');
  await writeFile(
    suite,
    JSON.stringify({
      name: `hostile <b>suite</b> ${ESC}[31m`,
      cases: [
        ...NAMES.map((name) => ({
          id: name,
          input: `in:${PAYLOADS[name]}`,
          expected: `expected:${PAYLOADS[name]}`,
        })),
        // Both the output and the expected answer echo the payload in a chat-shaped input.
        {
          id: 'chat',
          input: [
            { role: 'system', content: PAYLOADS.script },
            { role: 'user', content: `in:${PAYLOADS.img}` },
          ],
          expected: `out:${PAYLOADS.img}`,
        },
      ],
    }),
  );
  const config = join(dir, 'polytune.config.json');
  await writeFile(config, JSON.stringify({ providers: { openai: { baseURL: server.url } } }));
  const capture = (chunk: unknown) => {
    terminal += String(chunk);
    return true;
  };
  const o = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const e = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await main([
      'eval',
      '--suite',
      suite,
      '--model',
      'openai:gpt-4o-mini',
      '--out',
      out,
      '--no-cache',
      '--config',
      config,
      '--ledger-dir',
      join(dir, '.polytune'),
    ]);
    await main(['gate', join(out, 'results.json'), '--threshold', 'passRate >= 0.5']);
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
});

afterAll(async () => {
  if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
  else process.env.OPENAI_API_KEY = saved.key;
  await server?.close();
  if (!process.env.KEEP_WORK) await rm(dir, { recursive: true, force: true });
});

describe('hostile text in reports', () => {
  it('the run really carried every payload to the reports', async () => {
    const results = await readFile(join(out, 'results.jsonl'), 'utf8');
    expect(results.split('\n').filter(Boolean)).toHaveLength(NAMES.length + 1);
    expect(results).toContain(JSON.stringify(`out:${PAYLOADS.script}`).slice(1, -1));
    expect(results).toMatch(/"id":"terminal".*"status":"error"/);
    expect(server.totalRequests()).toBe(NAMES.length + 1);
  });

  it('summary.md has no live HTML, no images or links, no control bytes', async () => {
    const md = await readFile(join(out, 'summary.md'), 'utf8');
    expect(md).not.toMatch(/<(script|img|svg|iframe|a|style|link|meta|b)\b/i);
    expect(md).not.toMatch(/!\[[^\]]*\]\(/); // image syntax
    expect(md).not.toMatch(/(?<!\\)\[[^\]]*\]\(/); // link syntax
    expect(md).not.toMatch(/<http/); // autolink
    expect(md).not.toMatch(/^# Injected heading/m);
    expect(md).not.toMatch(/^```/m);
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    // Table rows keep their column count: injected pipes are escaped.
    const failureRows = md
      .split('\n')
      .filter((l) => /^\| openai:gpt-4o-mini \| \w+ \| held-out \| (fail|error) \|/.test(l));
    expect(failureRows).toHaveLength(NAMES.length); // the chat case passes
    for (const row of failureRows) expect(row.split(/(?<!\\)\|/).length).toBe(7);
  });

  it('junit.xml is well-formed and round-trips the hostile text as text', async () => {
    const xml = await readFile(join(out, 'junit.xml'), 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    const doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '',
      textNodeName: '#text',
    }).parse(xml) as {
      testsuites: { testsuite: { testcase: { name: string; failure?: unknown; error?: unknown }[] } };
    };
    const cases = [doc.testsuites.testsuite].flat().flatMap((s) => [s.testcase].flat());
    expect(cases).toHaveLength(NAMES.length + 1);
    const script = cases.find((c) => c.name === 'script') as {
      failure: { '#text': string; message: string };
    };
    expect(script.failure['#text']).toContain(`output: out:${PAYLOADS.script}`);
    expect(script.failure.message).toContain('<script>');
    const xmlCase = cases.find((c) => c.name === 'xml') as { error: { '#text': string } };
    expect(xmlCase.error['#text']).toContain(']]><![CDATA[ & &amp;');
  });

  it('the terminal got no control bytes from model or provider text', () => {
    expect(terminal).toContain('openai:gpt-4o-mini:');
    expect(terminal).toMatch(/error: openai:gpt-4o-mini terminal: .*bad: clear/);
    const controls = terminal.match(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g) ?? [];
    expect(controls.map((c) => c.charCodeAt(0).toString(16))).toEqual([]);
  });

  // In CI the browser must be there (.ci/run installs it); elsewhere the test says it was skipped.
  const present = chromiumPresent() || Boolean(process.env.CI);
  it.skipIf(!present)(
    present
      ? 'report.html in headless Chromium runs no script of its content, opens no dialog, makes no request and shows the text'
      : `report.html in headless Chromium: SKIPPED because ${CHROMIUM} is absent (apt-get install -y chromium)`,
    async () => {
      const { browser, close } = await launchChromium();
      try {
        const page = await browser.newPage();
        const dialogs: string[] = [];
        const requests: string[] = [];
        const errors: string[] = [];
        page.on('dialog', (dialog) => {
          dialogs.push(dialog.message());
          void dialog.dismiss();
        });
        page.on('request', (request) => requests.push(request.url()));
        page.on('pageerror', (error) => errors.push(error.message));
        const url = pathToFileURL(join(out, 'report.html')).href;
        await page.goto(url, { waitUntil: 'load' });
        // Open every collapsed case and click every link, as a curious reader would.
        // Browser-side code as strings: the test's tsconfig has no DOM types.
        await page.evaluate(`(() => {
          for (const d of document.querySelectorAll('details')) d.open = true;
          for (const a of document.querySelectorAll('a')) a.click();
        })()`);
        await page.waitForTimeout(200);
        const state = (await page.evaluate(`(() => ({
          pwned: window.__pwned,
          scripts: [...document.querySelectorAll('script')].map((el) => el.id),
          active: document.querySelectorAll(
            'script:not(#report-data):not(#report-app),iframe,object,embed,img,link,meta[http-equiv]:not([http-equiv="Content-Security-Policy"]),style:not(head style),a[href^="javascript"]',
          ).length,
          handlers: [...document.querySelectorAll('*')].filter((el) =>
            [...el.attributes].some((a) => a.name.startsWith('on')),
          ).length,
          text: document.body.innerText, // what is rendered visibly
          location: location.href,
        }))()`)) as {
          pwned?: string;
          scripts: string[];
          active: number;
          handlers: number;
          text: string;
          location: string;
        };
        expect(state.pwned).toBeUndefined();
        expect(dialogs).toEqual([]);
        expect(errors).toEqual([]);
        expect(requests).toEqual([url]);
        // The page's own section links move only the #fragment.
        expect(state.location.replace(/#[\w-]*$/, '')).toBe(url);
        expect(state.scripts).toEqual(['report-data', 'report-app']);
        expect(state.active).toBe(0);
        expect(state.handlers).toBe(0);
        for (const name of [
          'script',
          'img',
          'svg',
          'breakout',
          'iframe',
          'link',
          'style',
          'stylesheet',
          'meta',
        ]) {
          expect(state.text, name).toContain(`out:${PAYLOADS[name]}`);
          expect(state.text, name).toContain(`in:${PAYLOADS[name]}`);
        }
      } finally {
        await close();
      }
    },
  );
});
