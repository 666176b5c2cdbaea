#!/usr/bin/env node
// weightinit launcher: runs the prebuilt plain-JS dist/src/cli.js when it is fresh (see
// dist-fresh.mjs, scripts/build-dist.mjs: no loader hooks, faster startup), else src/cli.ts in a
// Node child with tsx's loader (`node --import tsx`). WEIGHTINIT_NO_DIST=1 forces the tsx path.
// A child rather than tsx's in-process register(): pool worker threads inherit the child's
// --import flag and so can load TypeScript too. Signals are relayed so SIGTERM/SIGINT reach the
// service (also when this launcher is PID 1), and the child's exit code or signal is passed on.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { distFresh } from './dist-fresh.mjs';

const args = process.argv.slice(2);
const useDist = process.env.WEIGHTINIT_NO_DIST !== '1' && distFresh(fileURLToPath(new URL('..', import.meta.url)));
let nodeArgs;
if (useDist) {
  nodeArgs = [fileURLToPath(new URL('../dist/src/cli.js', import.meta.url))];
} else {
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  // `serve` preloads the HTTP dependencies before tsx's hooks exist (see preload-deps.mjs): faster startup.
  const preload = args[0] === 'serve' ? ['--import', new URL('./preload-deps.mjs', import.meta.url).href] : [];
  // tsx resolved from this package, not from the caller's working directory.
  nodeArgs = [...preload, '--import', import.meta.resolve('tsx'), cli];
}
const child = spawn(process.execPath, [...nodeArgs, ...args], { stdio: 'inherit' });

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2']) {
  process.on(sig, () => { child.kill(sig); });
}
child.on('error', (e) => { process.stderr.write(`weightinit: cannot start node: ${e.message}\n`); process.exit(1); });
child.on('exit', (code, signal) => {
  if (signal) { process.removeAllListeners(signal); process.kill(process.pid, signal); return; }
  process.exit(code ?? 1);
});
