#!/usr/bin/env node
// weightinit launcher: runs src/cli.ts in a Node child with tsx's loader (`node --import tsx`).
// A child rather than tsx's in-process register(): pool worker threads inherit the child's
// --import flag and so can load TypeScript too. Signals are relayed so SIGTERM/SIGINT reach the
// service (also when this launcher is PID 1), and the child's exit code or signal is passed on.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const args = process.argv.slice(2);
// `serve` preloads the HTTP dependencies before tsx's hooks exist (see preload-deps.mjs): faster startup.
const preload = args[0] === 'serve' ? ['--import', new URL('./preload-deps.mjs', import.meta.url).href] : [];
// tsx resolved from this package, not from the caller's working directory.
const tsx = import.meta.resolve('tsx');
const child = spawn(process.execPath, [...preload, '--import', tsx, cli, ...args], { stdio: 'inherit' });

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2']) {
  process.on(sig, () => { child.kill(sig); });
}
child.on('error', (e) => { process.stderr.write(`weightinit: cannot start node: ${e.message}\n`); process.exit(1); });
child.on('exit', (code, signal) => {
  if (signal) { process.removeAllListeners(signal); process.kill(process.pid, signal); return; }
  process.exit(code ?? 1);
});
