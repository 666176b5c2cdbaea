/**
 * The prebuilt plain-JS dist/ (scripts/build-dist.mjs) that bin/weightinit.js runs when fresh:
 * - the launcher runs dist only while dist/BUILT is not older than every src file (a later src edit
 *   makes it fall back to tsx), and WEIGHTINIT_NO_DIST=1 forces tsx;
 * - a tensor served by the dist build (pool workers, WebAssembly kernels and explorer assets all loaded
 *   from dist) has exactly the bytes the tsx path serves, and those bytes are standard normals.
 * Builds into a temporary copy of the package, never the working tree's dist (other tests run it).
 */
import t from 'tap';
import { cpSync, mkdtempSync, rmSync, symlinkSync, utimesSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
// @ts-expect-error plain .mjs build script without type declarations
import { build } from '../../scripts/build-dist.mjs';
// @ts-expect-error plain .mjs launcher helper without type declarations
import { distFresh } from '../../bin/dist-fresh.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const copy = mkdtempSync(join(tmpdir(), 'weightinit-dist-'));
t.teardown(() => rmSync(copy, { recursive: true, force: true }));
for (const d of ['src', 'bin']) cpSync(join(ROOT, d), join(copy, d), { recursive: true });
mkdirSync(join(copy, 'scripts'));
cpSync(join(ROOT, 'scripts', 'build-dist.mjs'), join(copy, 'scripts', 'build-dist.mjs'));
cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
await build(copy);

const env = (extra: Record<string, string> = {}) => ({ ...process.env, NODE_OPTIONS: '', WEIGHTINIT_WORKERS: '2', LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', ...extra });
/** `weightinit help` from the copy's launcher; the dist's cli.js is marked so its use shows in the output. */
const help = (extra: Record<string, string> = {}) => spawnSync(process.execPath, [join(copy, 'bin', 'weightinit.js'), 'help'], { env: env(extra), encoding: 'utf8' });

t.test('launcher runs dist when fresh, tsx when stale or WEIGHTINIT_NO_DIST=1', async (t) => {
  const cliJs = join(copy, 'dist', 'src', 'cli.js');
  const original = readFileSync(cliJs, 'utf8');
  // Editing dist does not make it stale (only src and the build script count); BUILT keeps its mtime.
  writeFileSync(cliJs, `process.stdout.write('RUNNING-DIST\\n');\n${original}`);
  t.teardown(() => writeFileSync(cliJs, original));
  t.equal(distFresh(copy), true, 'fresh right after the build');
  const fromDist = help();
  t.equal(fromDist.status, 0, fromDist.stderr);
  t.match(fromDist.stdout, /^RUNNING-DIST\nusage: weightinit/, 'fresh dist is what runs');
  const forced = help({ WEIGHTINIT_NO_DIST: '1' });
  t.equal(forced.status, 0, forced.stderr);
  t.notMatch(forced.stdout, /RUNNING-DIST/, 'WEIGHTINIT_NO_DIST=1 runs src through tsx');
  t.match(forced.stdout, /usage: weightinit/);

  // A src file newer than the build: stale, so the launcher must not run the old code.
  const edited = join(copy, 'src', 'core', 'fans.ts');
  const future = new Date(Date.now() + 60_000);
  utimesSync(edited, future, future);
  t.equal(distFresh(copy), false, 'a newer src file makes dist stale');
  const stale = help();
  t.equal(stale.status, 0, stale.stderr);
  t.notMatch(stale.stdout, /RUNNING-DIST/, 'stale dist is ignored');
  t.match(stale.stdout, /usage: weightinit/);
  const past = new Date(Date.now() - 3600_000);
  utimesSync(edited, past, past);
  t.equal(distFresh(copy), true, 'fresh again once no src file is newer');
  t.equal(distFresh(join(copy, 'nowhere')), false, 'no dist at all: not fresh');
});

/** Starts `serve` from `bin`, returns its base URL and a stop function. */
async function serve(bin: string, extra: Record<string, string>) {
  const proc = spawn(process.execPath, [bin, 'serve'], { env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr.on('data', (d: Buffer) => { out += d.toString(); });
  const deadline = Date.now() + 60_000;
  let base: string | undefined;
  while (!base) {
    if (proc.exitCode !== null || Date.now() > deadline) { proc.kill('SIGKILL'); throw new Error(`server did not start:\n${out}`); }
    base = /listening on (http:\/\/[\d.]+:\d+)/.exec(out)?.[1];
    await new Promise((r) => setTimeout(r, 20));
  }
  while ((await fetch(`${base}/readyz`)).status !== 200) await new Promise((r) => setTimeout(r, 20));
  const stop = async () => { proc.kill('SIGTERM'); if (proc.exitCode === null) await new Promise((r) => proc.once('exit', r)); };
  return { base, stop };
}

t.test('a tensor served from dist equals the tsx path\'s bytes', async (t) => {
  // 2^19 f32 elements: several chunks, so the pool workers (loaded from dist) compute them.
  const q = '/v1/tensors?scheme=normal&shape=512,1024&seed=7&name=w&format=raw';
  const got: Buffer[] = [];
  for (const [bin, extra] of [[join(copy, 'bin', 'weightinit.js'), {}], [join(ROOT, 'bin', 'weightinit.js'), { WEIGHTINIT_NO_DIST: '1' }]] as const) {
    const s = await serve(bin, extra);
    try {
      const r = await fetch(s.base + q);
      t.equal(r.status, 200);
      got.push(Buffer.from(await r.arrayBuffer()));
      const page = await fetch(s.base + '/');
      t.equal(page.status, 200, 'explorer page (static assets) served');
      t.match(await page.text(), /<html/i);
    } finally {
      await s.stop();
    }
  }
  const [dist, tsx] = got as [Buffer, Buffer];
  t.equal(dist.length, 512 * 1024 * 4, 'raw f32 bytes');
  t.ok(dist.equals(tsx), 'dist and tsx paths serve identical bytes');
  // Independent sanity check of the bytes themselves: standard normal moments.
  const x = new Float32Array(dist.buffer, dist.byteOffset, dist.length / 4);
  let s1 = 0, s2 = 0;
  for (const v of x) { s1 += v; s2 += v * v; }
  const mean = s1 / x.length, variance = s2 / x.length - mean * mean;
  t.ok(Math.abs(mean) < 0.01, `mean ${mean} ~ 0`);
  t.ok(Math.abs(variance - 1) < 0.01, `variance ${variance} ~ 1`);
});
