/**
 * npm run fuzz: the properties of test/reliability/fuzz.test.ts, run for longer with fresh seeds
 * until a time budget is spent (FUZZ_SECONDS, default 120; FUZZ_RUNS per property and round,
 * default 400). Each round is a separate process so a crash or hang is caught, not inherited.
 * Prints the totals; exits 1 on the first failing round with the seed that reproduces it:
 *   WEIGHTINIT_FUZZ_SEED=<seed> WEIGHTINIT_FUZZ_RUNS=<runs> npx tap test/reliability/fuzz.test.ts
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const seconds = Number(process.env.FUZZ_SECONDS ?? 120);
const runs = Number(process.env.FUZZ_RUNS ?? 400);
const testFile = fileURLToPath(new URL('../test/reliability/fuzz.test.ts', import.meta.url));
const roundTimeoutMs = Math.max(120_000, runs * 1000);

interface Stats { cases: number; requests: number; ok: number; problems: number; checkedInvariants: number; errors5xx: number; shed: number }
const total: Stats = { cases: 0, requests: 0, ok: 0, problems: 0, checkedInvariants: 0, errors5xx: 0, shed: 0 };

function round(seed: number): Promise<{ code: number | null; out: string; stats?: Stats }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import=tsx', testFile], {
      env: { ...process.env, WEIGHTINIT_FUZZ_SEED: String(seed), WEIGHTINIT_FUZZ_RUNS: String(runs) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => { out += `\nround exceeded ${roundTimeoutMs} ms: killed (hang)`; child.kill('SIGKILL'); }, roundTimeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const m = /# fuzz: (\{[^\n]*\})/.exec(out);
      resolve({ code, out, stats: m ? JSON.parse(m[1]!) as Stats : undefined });
    });
  });
}

const t0 = Date.now();
let rounds = 0;
console.log(`fuzz: ${runs} runs per property per round, for ${seconds} s`);
while ((Date.now() - t0) / 1000 < seconds) {
  const seed = (Date.now() ^ (rounds * 0x9e3779b1)) >>> 0;
  const r = await round(seed);
  rounds++;
  if (r.stats) for (const k of Object.keys(total) as (keyof Stats)[]) total[k] += r.stats[k] ?? 0;
  console.log(`round ${rounds} seed ${seed}: exit ${r.code}${r.stats ? ` ${JSON.stringify(r.stats)}` : ''}`);
  if (r.code !== 0) {
    console.log(r.out.split('\n').filter((l) => /not ok|Counterexample|message|hang|Error/.test(l)).slice(0, 40).join('\n'));
    console.log(`FAILED: reproduce with WEIGHTINIT_FUZZ_SEED=${seed} WEIGHTINIT_FUZZ_RUNS=${runs} npx tap test/reliability/fuzz.test.ts`);
    process.exit(1);
  }
}
const elapsed = (Date.now() - t0) / 1000;
console.log(`\nfuzz summary: ${rounds} rounds in ${elapsed.toFixed(0)} s; ${total.cases} generated cases, ${total.requests} requests ` +
  `(${total.ok} 2xx, ${total.problems} 4xx problem+json), ${total.checkedInvariants} valid recipes checked for determinism invariants, ` +
  `5xx: ${total.errors5xx}, hangs: 0, crashes: 0 (load-shedding 503s retried: ${total.shed})`);
