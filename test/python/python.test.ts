/**
 * Runs test/python/test_clients.py (unittest) against a live server when python3 with numpy is
 * available: the numpy reference reimplementation must reproduce the service's bytes exactly, and the
 * Python client must work end to end. Each Python test becomes one tap assertion.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startLiveServer } from '../client/live-server.ts';

const script = fileURLToPath(new URL('./test_clients.py', import.meta.url));

// The server runs in this process, so children are awaited asynchronously (never spawnSync).
function run(args: string[], env: Record<string, string> = {}, timeout = 240000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('python3', args, { env: { ...process.env, ...env }, timeout, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const probe = await run(['-c', 'import numpy; print(numpy.__version__)'], {}, 30000);
if (probe.code !== 0) {
  t.plan(0, `python3 with numpy is not available (${probe.stderr.trim().split('\n').pop() ?? 'no python3'}): Python client and reference tests not run`);
} else {
  const server = await startLiveServer();
  if ('skip' in server) {
    t.plan(0, server.skip);
  } else {
    t.teardown(() => server.close());
    const res = await run([script], { WEIGHTINIT_URL: server.url, PYTHONDONTWRITEBYTECODE: '1' });
    // unittest -v writes "test_name (module.Class.test_name)", then optionally the docstring's first line,
    // then " ... ok|FAIL|ERROR|skipped '...'" to stderr.
    const results = [...res.stderr.matchAll(/^(test_\w+) \(([\w.]+)\)(?:\n[^\n]*?)? \.\.\. (ok|FAIL|ERROR|skipped[^\n]*)$/gm)];
    t.ok(results.length >= 10, `python ran ${results.length} tests`);
    for (const m of results) {
      const [, name, where, status] = m;
      const label = where!.endsWith(`.${name}`) ? where! : `${where}.${name}`;
      if (status!.startsWith('skipped')) t.comment(`SKIP ${label}: ${status}`);
      else t.equal(status, 'ok', label);
    }
    t.equal(res.code, 0, res.code === 0 ? 'python tests passed' : res.stderr.slice(-4000));
  }
}
