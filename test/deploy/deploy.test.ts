/**
 * Docker cannot run on these machines, so the deployment files are checked structurally, and the
 * image's runtime command (Dockerfile CMD + HEALTHCHECK) is exercised outside Docker:
 * - Dockerfile: multi-stage, non-root, EXPOSE = PORT, HEALTHCHECK asks /readyz without curl, CMD is the
 *   command this test starts;
 * - docker-compose.yml and deploy/k8s/*.yaml parse; probes point at routes that exist; ports match;
 *   the termination grace period covers the shutdown grace.
 */
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse } from 'yaml';
import { testApp } from '../http/helpers.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (p: string) => readFileSync(root + p, 'utf8');

/** Dockerfile instructions (continuation lines joined), per stage. */
function dockerfile(): { stages: { from: string; lines: string[] }[] } {
  const text = read('Dockerfile').replace(/\\\n/g, ' ');
  const stages: { from: string; lines: string[] }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    if (/^FROM\s/i.test(line)) stages.push({ from: line, lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return { stages };
}
const instr = (lines: string[], name: string) => lines.filter((l) => l.toUpperCase().startsWith(name + ' ')).map((l) => l.slice(name.length + 1).trim());

const CMD = ['node', 'bin/weightinit.js', 'serve'];

t.test('Dockerfile: multi-stage, slim runtime, non-root, exposes PORT, healthcheck without curl', async (t) => {
  const { stages } = dockerfile();
  t.ok(stages.length >= 2, 'multi-stage');
  const runtime = stages.at(-1)!;
  t.match(runtime.from, /node:20[\w.-]*slim/, 'slim Node runtime');
  t.ok(instr(runtime.lines, 'RUN').every((r) => !/npm (ci|install)(?!.*--omit=dev)/.test(r)), 'runtime installs no dev dependencies');
  t.ok(stages[0]!.lines.some((l) => /npm prune --omit=dev|npm ci --omit=dev/.test(l)), 'production dependencies only are copied');
  const user = instr(runtime.lines, 'USER');
  t.ok(user.length && !/^(root|0)$/.test(user.at(-1)!), `runs as non-root (${user.at(-1)})`);
  t.same(instr(runtime.lines, 'EXPOSE'), ['8080']);
  t.match(instr(runtime.lines, 'ENV').join(' '), /PORT=8080/);
  const hc = instr(runtime.lines, 'HEALTHCHECK').join(' ');
  t.match(hc, /\/readyz/);
  t.notMatch(hc, /curl|wget/, 'no curl/wget in the image');
  t.same(JSON.parse(instr(runtime.lines, 'CMD')[0]!), CMD, 'CMD is the command the tests start');
  t.match(read('.dockerignore'), /node_modules/);
});

t.test('docker-compose.yml: replicas behind nginx, healthcheck on /readyz, read-only store, limits', async (t) => {
  const c = parse(read('docker-compose.yml'));
  const svc = c.services.weightinit;
  t.ok(svc.deploy.replicas >= 2, 'several replicas');
  t.ok(svc.deploy.resources.limits.memory && svc.deploy.resources.limits.cpus, 'resource limits');
  t.match(JSON.stringify(svc.healthcheck.test), /\/readyz/);
  t.ok(svc.volumes.some((v: string) => v.endsWith(':ro')), 'store mounted read-only');
  t.equal(svc.environment.PORT, '8080');
  t.ok(svc.expose.includes('8080'));
  const nginx = read('deploy/nginx.conf');
  t.match(nginx, /server weightinit:8080/, 'nginx upstream points at the service port');
  t.match(nginx, /proxy_buffering off/, 'nginx streams without buffering');
  const lbPort = c.services.lb.ports[0] as string;
  t.match(nginx, new RegExp(`listen ${lbPort.split(':')[1]}`), 'nginx listens on the published port');
});

t.test('k8s manifests: probes on existing routes, ports, grace, security', async (t) => {
  const docs = readdirSync(root + 'deploy/k8s').filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(read(`deploy/k8s/${f}`)).map((d) => d.toJSON()));
  const dep = docs.find((d) => d.kind === 'Deployment');
  const svc = docs.find((d) => d.kind === 'Service');
  const hpa = docs.find((d) => d.kind === 'HorizontalPodAutoscaler');
  t.ok(dep && svc && hpa, 'Deployment, Service and HPA present');
  const pod = dep.spec.template.spec;
  const c = pod.containers[0];
  const env = Object.fromEntries(c.env.map((e: { name: string; value: string }) => [e.name, e.value]));
  t.same(c.command, CMD, 'container command is the command the tests start');
  t.equal(c.ports[0].containerPort, Number(env.PORT), 'containerPort = PORT');
  t.equal(svc.spec.ports[0].targetPort, c.ports[0].name, 'Service targets the named container port');
  t.same(svc.spec.selector, dep.spec.selector.matchLabels);
  t.equal(hpa.spec.scaleTargetRef.name, dep.metadata.name);
  t.ok(pod.terminationGracePeriodSeconds * 1000 > Number(env.WEIGHTINIT_SHUTDOWN_GRACE_MS), 'termination grace covers the shutdown grace');
  t.equal(pod.securityContext.runAsNonRoot, true);
  t.equal(c.securityContext.allowPrivilegeEscalation, false);
  t.ok(c.resources.requests && c.resources.limits);
  const probes = { startupProbe: '/readyz', readinessProbe: '/readyz', livenessProbe: '/livez' } as const;
  const { app } = await testApp();
  t.teardown(() => app.close());
  for (const [probe, path] of Object.entries(probes)) {
    t.equal(c[probe].httpGet.path, path, `${probe} path`);
    t.equal(c[probe].httpGet.port, c.ports[0].name, `${probe} port`);
    const res = await app.inject({ method: 'GET', url: c[probe].httpGet.path });
    t.not(res.statusCode, 404, `${probe} ${path} is a route of the service`);
  }
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = createServer(); s.listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => resolve(p)); }); });
}

t.test("the image's runtime command serves, passes its HEALTHCHECK, and stops cleanly on SIGTERM", async (t) => {
  const port = await freePort();
  const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', WEIGHTINIT_WORKERS: '1', LOG_LEVEL: 'warn', NODE_ENV: 'production' };
  const child = spawn(CMD[0]!, CMD.slice(1), { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const { stages } = dockerfile();
  const hcLine = instr(stages.at(-1)!.lines, 'HEALTHCHECK')[0]!;
  const hcCmd = JSON.parse(hcLine.slice(hcLine.indexOf('CMD') + 3).trim()) as string[];
  const healthcheck = () => spawnSync(hcCmd[0]!, hcCmd.slice(1), { env, encoding: 'utf8', timeout: 10_000 }).status;
  let ready = false;
  for (let i = 0; i < 120 && !ready; i++) {
    await new Promise((r) => setTimeout(r, 250));
    ready = healthcheck() === 0;
  }
  t.ok(ready, `HEALTHCHECK command exits 0 once ready ${stderr}`);
  const res = await fetch(`http://127.0.0.1:${port}/v1/tensors?scheme=normal&shape=8&seed=1&format=json`);
  t.equal(res.status, 200);
  child.kill('SIGTERM');
  t.equal(await exited, 0, 'exit 0 after SIGTERM');
  t.not(healthcheck(), 0, 'HEALTHCHECK fails once the service is gone');
});
