// The web UI in headless Chromium (Debian's, driven by playwright-core): the dashboard shows
// real numbers after real traffic (the go command and curl-like downloads), copy buttons carry
// the set-up text, the browser finds a module by its path and pages through 120 files, a purge
// works and is refused across sites, and the basics of accessibility hold (labels, keyboard,
// contrast, no JavaScript needed to read). Screenshots go to test-results/ui/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get } from '../helpers/client.js';
import { FakeUpstream } from '../helpers/fake-upstream.js';
import { GO, goEnv, serveGoModules } from '../helpers/go-fixtures.js';
import { runCommand } from '../helpers/run.js';
import { requireTools } from '../helpers/tools.js';
import { startTrove, type TestTrove } from '../helpers/trove.js';

// What the page scripts below use in the browser (this project's TypeScript has no DOM types).
declare const navigator: {
  clipboard: { readText(): Promise<string>; writeText(text: string): Promise<void> };
};
declare function getComputedStyle(el: unknown): { color: string; backgroundColor: string };

const CHROMIUM = '/usr/bin/chromium';
const enabled = requireTools(CHROMIUM, GO);
const SHOTS = join(process.cwd(), 'test-results', 'ui');
const TOKEN = 'admin-token-for-the-ui-test';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** WCAG relative luminance of an `rgb(r, g, b)` colour, and the contrast of two. */
function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((c) => {
    const v = Number(c) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a: string, b: string): number => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};

describe.skipIf(!enabled)('the web UI in Chromium', () => {
  let work: string;
  let goUp: FakeUpstream;
  let files: FakeUpstream;
  let trove: TestTrove;
  let browser: Browser;
  let context: BrowserContext;

  const newPage = async (): Promise<Page> => {
    const page = await context.newPage();
    page.on('dialog', (d) => void d.accept());
    return page;
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    work = mkdtempSync(join(tmpdir(), 'trove-ui-'));
    goUp = await serveGoModules(work, [
      {
        path: 'example.com/Hello',
        version: 'v1.0.0',
        files: {
          'go.mod': 'module example.com/Hello\n\ngo 1.21\n',
          'hello.go': 'package hello\n\nconst Greeting = "hello"\n',
        },
      },
    ]);
    files = new FakeUpstream();
    for (let i = 0; i < 120; i++) files.file(`/f/${String(i).padStart(3, '0')}.txt`, `file ${i}\n`);
    await files.start();
    trove = await startTrove({
      ui: { admin_token: TOKEN },
      storage: { max_size: '1GiB' },
      instances: {
        go: { type: 'go', upstreams: goUp.url, sumdb: [], verify: false },
        files: { type: 'file', upstreams: [files.url] },
      },
    });
    // Real traffic: the go command through Trove, twice (the second from the cache)...
    for (let run = 0; run < 2; run++) {
      const r = await runCommand(GO, ['mod', 'download', '-json', 'example.com/Hello@v1.0.0'], {
        cwd: work,
        env: goEnv(join(work, 'home'), {
          GOPROXY: `${trove.url}/go`,
          GOSUMDB: 'off',
          GOMODCACHE: join(work, `modcache-${run}`),
        }),
        timeoutMs: 120_000,
      });
      expect(r.code, r.err).toBe(0);
    }
    // ...and 120 files, for the pages.
    for (let i = 0; i < 120; i++) {
      expect((await get(`${trove.url}/files/f/${String(i).padStart(3, '0')}.txt`)).status).toBe(
        200,
      );
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    context = await browser.newContext({
      httpCredentials: { username: 'admin', password: TOKEN },
      permissions: ['clipboard-read', 'clipboard-write'],
      viewport: { width: 1280, height: 900 },
    });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await trove?.stop();
    await goUp?.stop();
    await files?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('shows real numbers after real traffic, live', async () => {
    const page = await newPage();
    await page.goto(`${trove.url}/`);
    const go = page.locator('[data-instance="go"]');
    // The index's counters are written within a second: the page's own refresh brings them.
    await expect
      .poll(async () => Number(await go.locator('[data-stat="requests"]').textContent()), {
        timeout: 15_000,
      })
      .toBeGreaterThanOrEqual(6);
    expect(Number(await go.locator('[data-stat="objects"]').textContent())).toBeGreaterThanOrEqual(
      3,
    );
    expect(await go.locator('[data-stat="hitRatio"]').textContent()).toMatch(/^\d+\.\d%$/);
    expect(await go.locator('[data-stat="upstream"]').textContent()).toMatch(/^ok \(answered /);
    expect(await go.locator('[data-stat="fetchedBytes"]').textContent()).toMatch(
      /[1-9].* (B|KiB)$/,
    );
    expect(await page.locator('[data-store]').textContent()).toMatch(/used of 1\.0 GiB/);
    expect(await page.locator('[data-instance="files"] [data-stat="objects"]').textContent()).toBe(
      '120',
    );
    await page.screenshot({ path: join(SHOTS, 'dashboard.png'), fullPage: true });
    await page.close();
  });

  it('copies the client set-up, by mouse and by keyboard', async () => {
    const page = await newPage();
    await page.goto(`${trove.url}/`);
    const button = page.getByRole('button', { name: 'Copy the client set-up for go' });
    await button.click();
    await expect.poll(() => button.textContent()).toBe('Copied');
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(await page.locator('#setup-go code').textContent());
    expect(copied).toContain(`GOPROXY=${trove.url}`);
    await page.evaluate(() => navigator.clipboard.writeText(''));
    const files = page.getByRole('button', { name: 'Copy the client set-up for files' });
    await files.focus();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.evaluate(() => navigator.clipboard.readText()))
      .toContain('/files/');
    await page.close();
  });

  it('finds a module by its path, in any case, and lists its files', async () => {
    const page = await newPage();
    await page.goto(`${trove.url}/ui/browse/go`);
    await page.getByLabel('Search by module path').fill('example.com/Hello');
    await page.getByRole('button', { name: 'Search' }).click();
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(3);
    const text = await rows.allTextContents();
    for (const kind of ['info', 'mod', 'zip']) {
      expect(
        text.some(
          (t) => t.includes('example.com/Hello') && t.includes('v1.0.0') && t.includes(kind),
        ),
      ).toBe(true);
    }
    await page.screenshot({ path: join(SHOTS, 'browse-go.png'), fullPage: true });
    await page.getByLabel('Search by module path').fill('example.com/nothing');
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.locator('tbody').textContent())
      .toContain('Nothing cached matches');
    await page.close();
  });

  it('pages through 120 files, 50 at a time', async () => {
    const page = await newPage();
    await page.goto(`${trove.url}/ui/browse/files`);
    const names: string[] = [];
    for (let p = 0; p < 5; p++) {
      names.push(...(await page.locator('tbody tr td:first-child').allTextContents()));
      const next = page.getByRole('link', { name: 'Next page' });
      if ((await next.count()) === 0) break;
      await next.click();
    }
    expect(names).toHaveLength(120);
    expect(names[0]).toBe('f/000.txt');
    expect(names[119]).toBe('f/119.txt');
    expect(new Set(names).size).toBe(120);
    await page.close();
  });

  it('purges an entry (which is fetched again on the next request), refused from another site', async () => {
    const key = 'go/example.com/!hello/@v/v1.0.0.zip';
    const zip = `${trove.url}/go/example.com/!hello/@v/v1.0.0.zip`;
    expect((await get(zip)).headers['x-cache']).toBe('HIT');
    const page = await newPage();
    await page.goto(`${trove.url}/ui/browse/go?q=example.com/Hello`);
    const row = page.locator('tbody tr', { hasText: 'zip' });
    await row.getByRole('button', { name: 'Purge' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`Purged: ${key}`);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'purged.png'), fullPage: true });
    expect((await get(zip)).headers['x-cache']).toBe('MISS');
    // A form on another site cannot drive it with the browser's saved credentials.
    const auth = `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`;
    const forged = await fetch(`${trove.url}/ui/admin/purge`, {
      method: 'POST',
      headers: {
        authorization: auth,
        origin: 'http://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `instance=go&key=${encodeURIComponent(key)}`,
    });
    expect(forged.status).toBe(403);
    expect((await get(zip)).headers['x-cache']).toBe('HIT');
    const anonymous = await fetch(`${trove.url}/ui/admin/purge`, {
      method: 'POST',
      body: `instance=go&key=${key}`,
    });
    expect(anonymous.status).toBe(401);
    await page.close();
  });

  it('reads without JavaScript, with labelled controls and readable contrast', async () => {
    const plain = await browser.newContext({ javaScriptEnabled: false });
    const page = await plain.newPage();
    await page.goto(`${trove.url}/`);
    expect(
      Number(await page.locator('[data-instance="go"] [data-stat="objects"]').textContent()),
    ).toBeGreaterThan(0);
    expect(await page.locator('#setup-go code').textContent()).toContain('GOPROXY=');
    // Without the script the copy buttons stay hidden (they could not work).
    expect(await page.getByRole('button', { name: /Copy the client set-up/ }).count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'dashboard-no-js.png'), fullPage: true });
    const readable = async (selector: string): Promise<void> => {
      const [fg, bg] = await page
        .locator(selector)
        .first()
        .evaluate((el) => {
          const s = getComputedStyle(el);
          let bgc = s.backgroundColor;
          for (
            let p = el.parentElement;
            /rgba\(0, 0, 0, 0\)|transparent/.test(bgc) && p;
            p = p.parentElement
          ) {
            bgc = getComputedStyle(p).backgroundColor;
          }
          return [s.color, /rgba\(0, 0, 0, 0\)/.test(bgc) ? 'rgb(255, 255, 255)' : bgc];
        });
      expect(
        contrast(fg as string, bg as string),
        `${selector}: ${fg} on ${bg}`,
      ).toBeGreaterThanOrEqual(4.5);
    };
    for (const selector of ['h1', 'dt', 'dd', 'main a', '.type']) await readable(selector);
    await page.goto(`${trove.url}/ui/browse/go`);
    expect(await page.getByLabel('Search by module path').count()).toBe(1);
    for (const selector of ['button[type=submit]', 'caption', 'th']) await readable(selector);
    await plain.close();
  });
});
