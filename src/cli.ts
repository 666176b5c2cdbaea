/**
 * weightinit command line:
 *   weightinit serve [--flag=value ...]   start the service (flags map onto the environment variables)
 *   weightinit check [--json] [--flags]   run every startup phase without listening, print the report;
 *                                         exit 0 when healthy, 1 naming the failed phase
 *   weightinit schemes [--json]           list the scheme catalogue
 *   weightinit generate --scheme .. --shape .. --out FILE   write a tensor file offline (same bytes as the API)
 * Flags are the configuration keys in kebab case (--port, --workers, --require-simd, ...);
 * `weightinit help` lists them.
 */
import pino from 'pino';
import { CONFIG_SPECS } from './config.ts';
import { InitFailure, startup, type InitReport, type PhaseRecord } from './startup/index.ts';
import type { WorkerPool } from './pool/index.ts';

type Command = (args: string[]) => Promise<number>;

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function usage(): string {
  const flags = CONFIG_SPECS.map((s) => `  --${kebab(s.key).padEnd(22)} ${s.env} (default ${JSON.stringify(s.default)}): ${s.description}`);
  return [
    'usage: weightinit <command> [flags]',
    '',
    'commands:',
    '  serve      start the HTTP service',
    '  check      run every startup phase without listening; exit non-zero naming the failed phase (--json for a machine-readable report)',
    '  schemes    list the scheme catalogue (--json for JSON)',
    '  generate   write a tensor to a file offline',
    '',
    'flags (each also settable by its environment variable):',
    ...flags,
  ].join('\n');
}

/** `[+]name ok (3.1 ms): message` lines, like /readyz?verbose. */
export function formatReport(phases: PhaseRecord[]): string {
  return phases.map((p) => {
    const ok = p.status === 'ok' || p.status === 'skipped';
    const what = p.status === 'failed' ? `failed: ${p.message}` : p.status === 'skipped' ? `ok (skipped: ${p.message})` : p.status === 'ok' ? 'ok' : `${p.status}: not run`;
    const detail = p.status === 'ok' && p.message ? `: ${p.message}` : '';
    const warn = p.warnings.map((w) => `\n    warning: ${w}`).join('');
    return `[${ok ? '+' : '-'}]${p.name} ${what} (${p.durationMs.toFixed(1)} ms)${detail}${warn}`;
  }).join('\n');
}

const check: Command = async (args) => {
  const json = args.includes('--json');
  const argv = args.filter((a) => a !== '--json');
  // The report goes to stdout; logs (warnings and errors only) to stderr.
  const logger = pino({ name: 'weightinit', level: 'warn' }, pino.destination(2));
  let report: InitReport;
  let failure: InitFailure | undefined;
  try {
    report = await startup.globalInit({ argv, logger });
  } catch (e) {
    if (!(e instanceof InitFailure)) throw e;
    failure = e;
    report = e.report ?? { ok: false, totalMs: 0, phases: startup.records(), failed: { phase: e.phase, reason: e.reason } };
  }
  await (startup.context?.services.pool as WorkerPool | undefined)?.close();
  if (json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  else {
    process.stdout.write(formatReport(report.phases) + '\n');
    process.stdout.write(report.ok ? `check passed in ${report.totalMs.toFixed(0)} ms\n` : `check failed: ${failure?.message}\n`);
  }
  if (failure) process.stderr.write(`weightinit check: ${failure.message}\n`);
  return report.ok ? 0 : 1;
};

const serve: Command = async (args) => {
  const { startServer } = await import('./server.ts');
  try {
    await startServer({ argv: args });
    return -1; // keep running; signals end the process
  } catch (e) {
    if (e instanceof InitFailure) { process.stderr.write(`weightinit: ${e.message}\n`); return 1; }
    throw e;
  }
};

const schemes: Command = async (args) => {
  await import('./core/schemes/index.ts');
  const { listSchemes } = await import('./core/schemes/registry.ts');
  const list = listSchemes().map((d) => ({ name: d.name, aliases: d.aliases ?? [], framework: d.framework, family: d.family, description: d.description }));
  if (args.includes('--json')) process.stdout.write(JSON.stringify(list, null, 2) + '\n');
  else for (const s of list) process.stdout.write(`${s.name.padEnd(40)} ${s.framework.padEnd(10)} ${s.description}\n`);
  return 0;
};

const generate: Command = async (args) => {
  const { generateCommand } = await import('./generate-file.ts');
  return generateCommand(args);
};

const COMMANDS: Record<string, Command> = { serve, check, schemes, generate };

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help' || cmd === '-h') { process.stdout.write(usage() + '\n'); return cmd ? 0 : 2; }
  const run = COMMANDS[cmd];
  if (Object.hasOwn(COMMANDS, cmd) && (rest.includes('--help') || rest.includes('-h'))) {
    if (cmd === 'generate') process.stdout.write((await import('./generate-file.ts')).GENERATE_USAGE + '\n');
    else process.stdout.write(usage() + '\n');
    return 0;
  }
  if (!run) { process.stderr.write(`weightinit: unknown command ${JSON.stringify(cmd)}\n\n${usage()}\n`); return 2; }
  return run(rest);
}

/** Runs the CLI on process.argv (tsx src/cli.ts ... or bin/weightinit.js). */
export function run(argv = process.argv.slice(2)): void {
  // `weightinit schemes | head`: a closed pipe ends the output quietly instead of crashing.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); throw e; });
  main(argv).then(
    // -1: a long-running command (serve); signals end the process. Otherwise exit with the code,
    // without waiting for stray handles (a pool that failed to start, for example).
    (code) => { if (code >= 0) { process.exitCode = code; setImmediate(() => process.exit(code)); } },
    (e) => { process.stderr.write(`weightinit: ${(e as Error).stack ?? e}\n`); process.exit(1); },
  );
}

// cli.js: the prebuilt dist/src/cli.js (scripts/build-dist.mjs) that bin/weightinit.js runs when fresh.
const invokedDirectly = process.argv[1] !== undefined && /[\\/]src[\\/]cli\.[tj]s$/.test(process.argv[1]);
if (invokedDirectly) run();
