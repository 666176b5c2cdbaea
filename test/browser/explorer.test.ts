/**
 * The explorer page in a real browser (playwright-core driving Debian's chromium, headless): it loads,
 * a scheme change updates the plot, a bad parameter shows the service's own message, the heatmap
 * shows an identity's diagonal, and the curl / Python / TypeScript snippets it prints fetch exactly
 * the bytes the test fetches itself; against a service with WEIGHTINIT_API_TOKEN, the page asks for the
 * token, works once given it, and its snippets read the token from the environment without printing
 * it. A screenshot goes to test-artifacts/explorer.png.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { startLiveServer } from '../client/live-server.ts';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].filter(Boolean) as string[];
// The server runs in this process: children must be awaited asynchronously, never with *Sync.
const run = async (cmd: string, args: string[], cwd?: string) => (await promisify(execFile)(cmd, args, { cwd, timeout: 30000, encoding: 'buffer', maxBuffer: 1 << 26 })).stdout as Buffer;
const executablePath = CANDIDATES.find((p) => existsSync(p));
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

if (!executablePath) {
  t.plan(0, `no chromium found (tried ${CANDIDATES.join(', ')}); install with: apt-get install -y chromium`);
} else {
  const server = await startLiveServer();
  if ('skip' in server) {
    t.plan(0, server.skip);
  } else {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath, args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    t.teardown(async () => { await browser.close(); await server.close(); });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));

    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    const ready = async (previousId?: string) => {
      await page.waitForFunction((prev) => document.body.dataset.state === 'ready' && document.body.dataset.recipeId !== prev, previousId ?? null, { timeout: 30000 });
      return page.evaluate(() => document.body.dataset.recipeId!);
    };
    const fetchBytes = async (recipe: object) => {
      const res = await fetch(`${server.url}/v1/tensors`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/octet-stream' }, body: JSON.stringify(recipe) });
      t.equal(res.status, 200, 'test fetch ok');
      return new Uint8Array(await res.arrayBuffer());
    };
    const setScheme = async (name: string) => {
      await page.selectOption('#framework', '');
      await page.selectOption('#scheme', name);
    };

    await t.test('the page loads with the default normal scheme, histogram and density', async (t) => {
      await page.goto(server.url + '/');
      const id = await ready();
      t.match(id, /^[0-9a-f]{16,}$/);
      t.equal(await page.$eval('#scheme', (e) => (e as HTMLSelectElement).value), 'normal');
      t.ok(await page.$('#histogram path.bars'), 'bars drawn');
      t.ok(await page.$('#histogram path.density'), 'normal density drawn over the bars');
      const rows = await page.$$eval('#stats-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      t.same(rows[0]!.slice(0, 2), ['mean', '0'], 'expected mean 0 from the theory');
      t.same(rows[1]!.slice(0, 2), ['std', '1']);
      const measuredStd = Number(rows[1]![2]);
      t.ok(Math.abs(measuredStd - 1) < 0.02, `measured std ${measuredStd} close to 1 over 32768 values`);
      t.equal(await page.$eval('#access', (e) => getComputedStyle(e).display), 'none', 'no token field when the service needs none');
      t.ok((await page.$$('label')).length >= 6, 'inputs are labelled');
      const unlabelled = await page.$$eval('input, select', (els) => els.filter((e) => !(e as HTMLInputElement).labels?.length).map((e) => e.id));
      t.same(unlabelled, [], 'every input and select has a label');
    });

    await t.test('a scheme change updates the plot and the expected values', async (t) => {
      const before = await page.$eval('#histogram path.density', (e) => e.getAttribute('d'));
      const prev = await page.evaluate(() => document.body.dataset.recipeId);
      await setScheme('uniform');
      await ready(prev);
      const after = await page.$eval('#histogram path.density', (e) => e.getAttribute('d'));
      t.not(after, before, 'density curve redrawn');
      const rows = await page.$$eval('#stats-table tbody tr', (trs) => trs.map((tr) => [...tr.children].map((c) => c.textContent)));
      t.same(rows.slice(0, 4).map((r) => r.slice(0, 2)), [['mean', '0.5'], ['std', '0.288675'], ['min', '0'], ['max', '1']]);
      t.ok(await page.$('#param-low') && await page.$('#param-high'), 'parameter form regenerated for uniform');
      t.equal(await page.$eval('#param-high', (e) => (e as HTMLInputElement).value), '1', 'default filled in');
    });

    await t.test('a bad parameter shows the service\'s own message', async (t) => {
      await setScheme('normal');
      await ready(await page.evaluate(() => document.body.dataset.recipeId));
      await page.fill('#param-std', '-1');
      await page.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 10000 });
      const shown = await page.$eval('#error', (e) => e.textContent ?? '');
      const res = await fetch(`${server.url}/v1/tensors`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scheme: 'normal', shape: [256, 128], seed: 42, params: { std: -1 } }) });
      t.equal(res.headers.get('content-type')?.split(';')[0], 'application/problem+json');
      const problem = await res.json() as { detail: string; field: string };
      t.ok(problem.detail.length > 0);
      t.ok(shown.includes(problem.detail), `page shows the server detail "${problem.detail}" (page: "${shown}")`);
      t.equal(await page.$eval('#param-std', (e) => e.getAttribute('aria-invalid')), 'true', 'the offending field is marked');
      await page.fill('#param-std', '1');
      await ready();
      t.equal(await page.$eval('#error', (e) => (e as HTMLElement).hidden), true, 'error cleared once fixed');
    });

    await t.test('the heatmap shows an identity matrix diagonal', async (t) => {
      await page.fill('#shape', '16,16');
      await setScheme('eye');
      await ready();
      t.equal(await page.$eval('#heatmap-figure', (e) => (e as HTMLElement).hidden), false);
      // A string, not a function: tsx's name helpers do not exist inside the page.
      const px = await page.evaluate(`(() => {
        const d = document.getElementById('heatmap').getContext('2d').getImageData(0, 0, 16, 16).data;
        const at = (r, c) => Array.from(d.slice((r * 16 + c) * 4, (r * 16 + c) * 4 + 3));
        return { diag: [0, 5, 15].map((i) => at(i, i)), off: [[0, 1], [7, 3], [15, 0]].map(([r, c]) => at(r, c)) };
      })()`) as { diag: number[][]; off: number[][] };
      for (const p of px.diag) t.same(p, [180, 0, 0], 'diagonal element 1 drawn full red');
      for (const p of px.off) t.same(p, [255, 255, 255], 'off-diagonal 0 drawn white');
    });

    await t.test('the snippets fetch exactly the tensor the test fetches', async (t) => {
      await page.fill('#shape', '64,32');
      await setScheme('kaiming_uniform');
      await page.fill('#seed', '7');
      await page.fill('#name', "layer'1.wéight");
      await page.selectOption('#param-nonlinearity', 'relu');
      await ready();
      const expected = await fetchBytes({ scheme: 'kaiming_uniform', shape: [64, 32], seed: 7, name: "layer'1.wéight", params: { nonlinearity: 'relu' } });
      t.equal(expected.length, 64 * 32 * 4);
      const dir = mkdtempSync(join(tmpdir(), 'weightinit-snippet-'));

      const curl = await page.$eval('#snippet-curl', (e) => e.textContent!);
      await run('bash', ['-c', curl], dir);
      t.equal(sha(readFileSync(join(dir, 'tensor.bin'))), sha(expected), 'curl snippet: same bytes');

      const ts = await page.$eval('#snippet-ts', (e) => e.textContent!);
      const tsFile = join(dir, 'snippet.mjs');
      writeFileSync(tsFile, `${ts.split('\n').filter((l) => !l.startsWith('// or:')).join('\n')}\nprocess.stdout.write(Buffer.from(w.buffer, w.byteOffset, w.byteLength));\n`);
      const tsOut = await run(process.execPath, [tsFile]);
      t.equal(sha(tsOut), sha(expected), 'TypeScript snippet (type-free, runs as JS): same bytes');

      const py = await page.$eval('#snippet-python', (e) => e.textContent!);
      const hasNumpy = await run('python3', ['-c', 'import numpy']).then(() => true, () => false);
      if (!hasNumpy) {
        t.comment('SKIP python3 with numpy not available: Python snippet not run');
      } else {
        const pyOut = await run('python3', ['-c', `${py}\nimport sys\nsys.stdout.buffer.write(w.tobytes())\n`]);
        t.equal(sha(pyOut), sha(expected), 'Python snippet: same bytes');
      }
    });

    await t.test('screenshot', async (t) => {
      await page.fill('#shape', '128,96');
      await setScheme('truncated_normal');
      await page.fill('#seed', '42');
      await page.fill('#name', 'encoder.layer.0.weight');
      await page.fill('#param-std', '0.02');
      await page.fill('#param-a', '-2');
      await page.fill('#param-b', '2');
      await page.selectOption('#param-bounds', 'std');
      await ready();
      t.ok(await page.$('#histogram path.density'), 'truncated normal density drawn');
      mkdirSync(ARTIFACTS, { recursive: true });
      const file = new URL('explorer.png', ARTIFACTS);
      await page.screenshot({ path: file.pathname, fullPage: true });
      t.ok(readFileSync(file).length > 10000, `screenshot saved to ${file.pathname}`);
      t.same(pageErrors, [], 'no uncaught errors in the page');
    });

    await t.test('a service with an API token: the page asks for it, then works; snippets use $WEIGHTINIT_API_TOKEN', async (t) => {
      const secret = 'tok-3f9a1c7e5b';
      const guarded = await startLiveServer({ WEIGHTINIT_API_TOKEN: secret });
      if ('skip' in guarded) { t.comment(`SKIP ${guarded.skip}`); return; }
      t.teardown(() => guarded.close());
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 1000 } });
      t.teardown(() => ctx.close());
      const p2 = await ctx.newPage();
      const errors: string[] = [];
      p2.on('pageerror', (e) => errors.push(String(e)));
      await p2.goto(guarded.url + '/');
      await p2.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 15000 });
      t.equal(await p2.$eval('#access', (e) => (e as HTMLElement).hidden), false, 'the token field is shown after the 401');
      t.not(await p2.$eval('#access', (e) => getComputedStyle(e).display), 'none', 'and visible');
      t.match(await p2.$eval('#error', (e) => e.textContent ?? ''), /Authorization: Bearer/, 'the service\'s 401 detail is shown');
      t.match(await p2.$eval('#status', (e) => e.textContent ?? ''), /requires an API token/);
      mkdirSync(ARTIFACTS, { recursive: true });
      await p2.screenshot({ path: new URL('explorer-token.png', ARTIFACTS).pathname, clip: { x: 0, y: 0, width: 1280, height: 700 } });

      await p2.fill('#token', 'wrong-token');
      await p2.press('#token', 'Enter');
      await p2.waitForFunction(() => document.querySelector('#error')?.textContent?.includes('not valid'), null, { timeout: 15000 });
      t.pass('a wrong token shows "the bearer token is not valid"');

      await p2.fill('#token', secret);
      await p2.press('#token', 'Enter');
      await p2.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30000 });
      t.ok(await p2.$('#histogram path.bars'), 'with the token the catalogue loads and the histogram is drawn');

      const curl = await p2.$eval('#snippet-curl', (e) => e.textContent!);
      const py = await p2.$eval('#snippet-python', (e) => e.textContent!);
      const ts = await p2.$eval('#snippet-ts', (e) => e.textContent!);
      for (const [label, text] of [['curl', curl], ['Python', py], ['TypeScript', ts]]) {
        t.notOk(text!.includes(secret), `${label} snippet does not print the token`);
        t.ok(text!.includes('WEIGHTINIT_API_TOKEN'), `${label} snippet reads WEIGHTINIT_API_TOKEN`);
      }
      const dir = mkdtempSync(join(tmpdir(), 'weightinit-token-'));
      const env = { ...process.env, WEIGHTINIT_API_TOKEN: secret };
      await promisify(execFile)('bash', ['-c', curl], { cwd: dir, env, timeout: 30000 });
      const res = await fetch(`${guarded.url}/v1/tensors`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/octet-stream', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ scheme: 'normal', shape: [256, 128], seed: 42 }) });
      t.equal(res.status, 200);
      t.equal(sha(readFileSync(join(dir, 'tensor.bin'))), sha(new Uint8Array(await res.arrayBuffer())), 'curl snippet with the token from the environment: same bytes');

      await p2.reload();
      await p2.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30000 });
      t.equal(await p2.$eval('#token', (e) => (e as HTMLInputElement).value), secret, 'the token is kept for this tab (sessionStorage) across a reload');
      t.same(errors, [], 'no uncaught errors in the page');
    });
  }
}
