/**
 * The dashboard (`/ui`) in a real browser (Debian's chromium, driven by playwright-core) against
 * a gateway over real server-filesystem and server-memory: the token rule, the views, the live
 * feed when an MCP client runs a script, the playground and search, the PII audit without values,
 * a phone-width screen, nothing fetched from elsewhere, and no console error.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/index.js';
import { bundleUi } from '../src/dashboard/assets.js';
import { UI_SESSION } from '../src/dashboard/routes.js';
import { createGateway } from '../src/gateway/create.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { type HttpServer, serveHttp } from '../src/server/http.js';
import { sessionLabel } from '../src/util/session-label.js';
import { CHROMIUM_AVAILABLE, launchChromium } from './support/browser.js';
import { spawnCliAsync } from './support/cli.js';
import { text } from './support/mcp.js';
import { PYTHON_AVAILABLE } from './support/sandboxes.js';
import { FILESYSTEM, MEMORY, stdioServer } from './support/servers.js';

const TOKEN = 'dashboard-test-token';
const EMAIL = 'ana.lima@example.com';

describe.runIf(CHROMIUM_AVAILABLE)('dashboard in chromium', () => {
  let dir: string;
  let gateway: Gateway;
  let http: HttpServer;
  let base: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];
  const shots = () => process.env.DASHBOARD_SCREENSHOTS ?? dir;
  const elsewhere: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'toolscript-dashboard-'));
    await writeFile(join(dir, 'contact.txt'), `Write to ${EMAIL} about the order.\n`);
    gateway = await createGateway(
      parseConfig({
        dataDir: join(dir, 'data'),
        pii: { enabled: true },
        mcpServers: {
          filesystem: {
            ...stdioServer(...FILESYSTEM, [dir]),
            requireApproval: ['create_directory'],
            cache: { tools: ['read_text_file'] },
          },
          memory: stdioServer(...MEMORY, [], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
        },
      }),
    );
    http = await serveHttp(gateway, { port: 0, token: TOKEN });
    base = http.url.replace(/\/mcp$/, '');
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(base)) elsewhere.push(request.url());
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await http?.close();
    await gateway?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('asks for the token once, and keeps it in an HttpOnly, SameSite=Strict cookie', async () => {
    expect((await fetch(`${base}/ui/api/overview`)).status).toBe(401);
    expect((await fetch(`${base}/mcp`, { method: 'POST' })).status).toBe(401);
    await page.goto(`${base}/ui`);
    await page.getByLabel('Gateway token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('That is not the gateway token.');
    await page.getByLabel('Gateway token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Servers' }).waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === 'toolscript_ui');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/ui' });
    expect(cookie?.value).not.toContain(TOKEN);
    // A new page of the same browser needs no token again.
    const again = await context.newPage();
    await again.goto(`${base}/ui`);
    await again.getByRole('heading', { name: 'Servers' }).waitFor();
    await again.close();
  });

  it('shows each server with its status, tool count and protocol version', async () => {
    const rows = page.locator('#servers tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const filesystem = gateway.listServers().find((s) => s.name === 'filesystem');
    const row = await rows.filter({ hasText: 'filesystem' }).textContent();
    expect(row).toContain('up');
    expect(row).toContain(String(filesystem?.tools));
    expect(row).toContain(String(filesystem?.protocolVersion));
  });

  it('adds an execution run by an MCP client at once, without a reload, with its details', async () => {
    const client = new Client({ name: 'dashboard-test', version: '1' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(http.url), {
        requestInit: { headers: { authorization: `Bearer ${TOKEN}` } },
      }),
    );
    // Read twice: the second answer comes from the cache (config cache).
    const script = `import { readTextFile } from './servers/filesystem';
await readTextFile({ path: ${JSON.stringify(join(dir, 'contact.txt'))} });
return await readTextFile({ path: ${JSON.stringify(join(dir, 'contact.txt'))} });`;
    const answer = await client.callTool({ name: 'execute_code', arguments: { code: script } });
    expect(text(answer)).toContain('[EMAIL_1]');
    // The model passes the token back: the tool gets the real value, and the PII audit says so.
    const copy = `import { writeFile } from './servers/filesystem';
await writeFile({ path: ${JSON.stringify(join(dir, 'copy.txt'))}, content: '[EMAIL_1]' });
return 'copied';`;
    await client.callTool({ name: 'execute_code', arguments: { code: copy } });
    const saved = await client.callTool({
      name: 'save_skill',
      arguments: {
        name: 'count-dirs',
        description: 'Counts the folders the filesystem server may read.',
        code: `import { listAllowedDirectories } from './servers/filesystem';
export async function countDirs(): Promise<number> {
  const text = (await listAllowedDirectories({})).content;
  return text.split('\\n').length - 1;
}`,
      },
    });
    expect(saved.isError, text(saved)).toBeFalsy();
    await client.close();

    const rows = page.locator('#executions tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    const first = await rows.nth(1).textContent();
    expect(first).toContain('ok');
    expect(first).toMatch(/% saved/);
    expect(first).toContain('[EMAIL_1]');
    expect(first).not.toContain(EMAIL);
    await rows.nth(1).getByRole('button').click();
    const detail = page.locator('.detail');
    await expect.poll(() => detail.textContent()).toContain('readTextFile({ path:');
    expect(await detail.textContent()).toContain('filesystem.read_text_file');
    expect(await page.getByLabel('Cache hit rate').textContent()).toBe(
      'Memoized calls: 1 of 2 answered from the cache (50%).',
    );
  });

  it('runs a script and a search from the page', async () => {
    await page.getByRole('textbox', { name: 'Script' }).fill('return 6 * 7;');
    await page.getByRole('button', { name: 'Run' }).click();
    const output = page.getByRole('region', { name: 'Run output' });
    await expect.poll(() => output.textContent()).toBe('Result:\n42');
    // The playground's run is an execution too, in the dashboard's session (shown by its label).
    await expect
      .poll(() => page.locator('#executions tbody tr').first().textContent())
      .toContain(sessionLabel(UI_SESSION));

    await page.getByRole('searchbox', { name: 'Search tools' }).fill('make a new folder');
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByRole('list', { name: 'Search results' });
    await expect.poll(() => results.textContent()).toContain('filesystem.createDirectory');
    expect(await results.textContent()).toContain('declare function createDirectory');
    // Each hit has its version, and its history on demand.
    const hit = results.getByRole('listitem').filter({ hasText: 'filesystem.createDirectory' });
    expect(await hit.textContent()).toContain('v1.0.0');
    await hit.getByText('Version history').click();
    const history = hit.getByRole('table', { name: 'Versions of filesystem.create_directory' });
    await expect.poll(() => history.locator('tbody tr').count()).toBe(1);
    expect(await history.locator('tbody td').first().textContent()).toBe('1.0.0');
    expect(await history.textContent()).toMatch(/first seen \(server \d+\.\d+\.\d+\)/);
  });

  it('answers a run in an unknown language with what execute_code accepts', async () => {
    const response = await fetch(`${base}/ui/api/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code: '1', language: 'ruby' }),
    });
    const answer = (await response.json()) as { text: string; isError: boolean };
    expect(answer.isError).toBe(true);
    expect(answer.text).toMatch(/Invalid arguments for execute_code:.*language/s);
    expect(answer.text).toContain('python');
  });

  it.runIf(PYTHON_AVAILABLE)('runs a Python script from the playground', async () => {
    await page.getByLabel('Language').selectOption('python');
    await page.getByRole('textbox', { name: 'Script' }).fill('print("from python")\n6 * 7');
    await page.getByRole('button', { name: 'Run' }).click();
    const output = page.getByRole('region', { name: 'Run output' });
    await expect.poll(() => output.textContent(), { timeout: 30_000 }).toBe('from python\n\nResult:\n42');
    await page.getByLabel('Language').selectOption('typescript');
  });

  it('charts the savings, lists the skills, and the PII audit without the value', async () => {
    await page.reload();
    await page.getByRole('heading', { name: 'PII audit' }).waitFor();
    const skills = await page.locator('#skills tbody').textContent();
    expect(skills).toContain('count-dirs');
    expect(skills).toContain('Counts the folders the filesystem server may read.');
    // Version, status, uses.
    expect(await page.locator('#skills tbody tr td').allTextContents()).toEqual(['1', 'ok', '0']);
    const audit = await page.locator('#pii tbody').textContent();
    expect(audit).toContain('filesystem.write_file');
    expect(audit).toContain('EMAIL×1');
    expect(await page.content()).not.toContain(EMAIL);
    expect(await page.locator('#savings p').first().textContent()).toMatch(
      new RegExp(
        `tokens in code mode against .* with direct tool calling over ${PYTHON_AVAILABLE ? 4 : 3} executions: \\d+% saved`,
      ),
    );
    await page.locator('#savings canvas').first().waitFor();
    // Code mode's line is not flat at 0 beside direct calling's: on the logarithmic axis the
    // blue line rises at least a third as far as the red one.
    const spans = await page.evaluate(() => {
      const canvas = document.querySelector('#savings canvas') as HTMLCanvasElement;
      const { width, height } = canvas;
      const pixels = (canvas.getContext('2d') as CanvasRenderingContext2D).getImageData(
        0,
        0,
        width,
        height,
      ).data;
      const span = ([r, g, b]: number[]) => {
        let top = height;
        let bottom = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          const distance =
            Math.abs((pixels[i] ?? 0) - (r ?? 0)) +
            Math.abs((pixels[i + 1] ?? 0) - (g ?? 0)) +
            Math.abs((pixels[i + 2] ?? 0) - (b ?? 0));
          if (distance > 40) continue;
          const y = Math.floor(i / 4 / width);
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
        }
        return bottom - top;
      };
      return { code: span([37, 99, 235]), direct: span([220, 38, 38]) };
    });
    expect(spans.direct).toBeGreaterThan(0);
    expect(spans.code).toBeGreaterThan(spans.direct / 3);
    // DASHBOARD_SCREENSHOTS=<folder> keeps the screenshots (the README's comes from here).
    await page.screenshot({ path: join(shots(), 'dashboard-1280.png'), fullPage: true });
  });

  it('shows the insights of the recorded executions, and clears the call cache from the page and the CLI', async () => {
    const panel = page.locator('#insights');
    await panel.getByRole('heading', { name: 'Insights' }).waitFor();
    await expect.poll(() => panel.textContent()).toContain('Call cache: 1 hits, 1 misses (50.0%)');
    expect(await panel.textContent()).toMatch(/\d+ executions \(0 failed\), 0 searches/);
    const slowest = panel.getByRole('table', { name: 'Slowest tools' });
    expect(await slowest.textContent()).toContain('filesystem.read_text_file');
    await page.getByLabel('Period').selectOption('1h');
    await expect.poll(() => panel.textContent()).toContain('Call cache: 1 hits');
    // The client's write dropped what its session kept: a read from the playground keeps one result.
    await page
      .getByRole('textbox', { name: 'Script' })
      .fill(
        `import { readTextFile } from './servers/filesystem';\nreturn (await readTextFile({ path: ${JSON.stringify(join(dir, 'contact.txt'))} })).content.length;`,
      );
    await page.getByRole('button', { name: 'Run' }).click();
    await expect
      .poll(() => page.getByRole('region', { name: 'Run output' }).textContent())
      .toMatch(/^Result:\n\d+$/);
    await panel.getByRole('button', { name: 'Clear the call cache' }).click();
    await expect.poll(() => panel.getByRole('status').last().textContent()).toBe(' Dropped 1 kept result.');

    // The CLI asks the running gateway, with its token.
    const dataDir = await mkdtemp(join(tmpdir(), 'toolscript-dashboard-cli-'));
    const cleared = await spawnCliAsync(['cache', 'clear', 'filesystem', '--url', base, '--token', TOKEN], {
      dataDir,
    });
    expect([cleared.code, cleared.stdout]).toEqual([
      0,
      `Dropped 0 kept results of server "filesystem" at ${base}.\n`,
    ]);
    const refused = await spawnCliAsync(['cache', 'clear', '--url', base, '--token', 'wrong'], { dataDir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `the gateway at ${base} wants its token: pass --token or set TOOLSCRIPT_TOKEN`,
    );
    const unknown = await spawnCliAsync(['cache', 'clear', 'nope', '--url', base, '--token', TOKEN], {
      dataDir,
    });
    expect(unknown.stderr).toContain(
      'no server "nope" here: send {} for every server, or { "server": "<name>" } of one of filesystem, memory',
    );
    // A page elsewhere cannot clear it: the API answers its own page only.
    const forged = await fetch(`${base}/ui/api/cache/clear`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin: 'http://evil.example' },
      body: '{}',
    });
    expect(forged.status).toBe(403);
  });

  it('fits a phone-width screen: nothing wider than the viewport, each table row a block of labelled cells', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole('heading', { name: 'Servers' }).waitFor();
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > 391 || e.scrollWidth > e.clientWidth + 1)
        .filter((e) => !['PRE', 'TEXTAREA', 'CANVAS'].includes(e.tagName))
        .map((e) => `${e.tagName}.${e.className}#${e.id}`)
        .slice(0, 8),
    );
    expect(wide).toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // The columns' names lead the cells (the header row is hidden at this width).
    const cell = page.locator('#servers tbody td').first();
    expect(await cell.evaluate((e) => getComputedStyle(e, '::before').content)).toBe('"Status: "');
    await page.screenshot({ path: join(shots(), 'dashboard-390.png') });
  });

  it('asks the person at the page to approve a playground call to a tool in requireApproval', async () => {
    const folder = join(dir, 'approved');
    const script = page.getByRole('textbox', { name: 'Script' });
    const output = page.getByRole('region', { name: 'Run output' });
    const dialog = page.getByRole('alertdialog');
    await script.fill(
      `import { createDirectory } from './servers/filesystem';\nawait createDirectory({ path: ${JSON.stringify(folder)} });\nreturn 'made';`,
    );
    await page.getByRole('button', { name: 'Run' }).click();
    await dialog.waitFor();
    expect(await dialog.getByRole('heading').textContent()).toBe('Approve filesystem.create_directory?');
    expect(await dialog.textContent()).toContain(`path: ${JSON.stringify(folder)}`);
    await dialog.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => output.textContent()).toBe('Result:\nmade');
    expect(await dialog.count()).toBe(0);
    expect((await stat(folder)).isDirectory()).toBe(true);

    await script.fill(
      `import { createDirectory } from './servers/filesystem';\nawait createDirectory({ path: ${JSON.stringify(join(dir, 'declined'))} });`,
    );
    await page.getByRole('button', { name: 'Run' }).click();
    await dialog.getByRole('button', { name: 'Decline' }).click();
    await expect.poll(() => output.textContent()).toContain('APPROVAL_DENIED');
    await expect(stat(join(dir, 'declined'))).rejects.toThrow();

    // A modal dialog: Decline has the focus (Enter does not approve), and Escape declines.
    await script.fill(
      `import { createDirectory } from './servers/filesystem';\nawait createDirectory({ path: ${JSON.stringify(join(dir, 'escaped'))} });`,
    );
    await page.getByRole('button', { name: 'Run' }).click();
    await dialog.waitFor();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Decline');
    expect(await page.evaluate(() => document.querySelector('dialog')?.matches(':modal'))).toBe(true);
    await page.keyboard.press('Escape');
    await expect.poll(() => output.textContent()).toContain('APPROVAL_DENIED');
    expect(await dialog.count()).toBe(0);
    await expect(stat(join(dir, 'escaped'))).rejects.toThrow();
  });

  it('loaded nothing from anywhere else, and logged no console error', () => {
    expect(elsewhere).toEqual([]);
    expect(problems.join('\n')).toBe('');
  });
});

describe('dashboard bundle', () => {
  it('stays within 150 KB gzipped, all files together', async () => {
    const assets = await bundleUi();
    expect([...assets.keys()].sort()).toEqual(['app.css', 'app.js', 'index.html']);
    const total = [...assets.values()].reduce((sum, { body }) => sum + gzipSync(body).length, 0);
    expect(total).toBeGreaterThan(10_000); // Preact and uPlot are in it
    expect(total).toBeLessThanOrEqual(150 * 1024);
  });
});
