/**
 * Phase "configuration": environment variables plus CLI flags (mapped onto them), validated by
 * src/config.ts; the effective configuration is logged once with secrets masked.
 */
import { CONFIG_SPECS, describeConfig, loadConfig, type Config } from '../../config.ts';
import type { InitPhase } from '../registry.ts';

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** `--workers 2`, `--port=9000`, `--require-simd` (boolean flags need no value) -> env overrides. */
export function flagsToEnv(argv: readonly string[]): Record<string, string> {
  const byFlag = new Map(CONFIG_SPECS.map((s) => [kebab(s.key), s]));
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (!m) throw new Error(`unexpected argument ${JSON.stringify(arg)} (flags look like --name=value)`);
    const spec = byFlag.get(m[1]!);
    if (!spec) throw new Error(`unknown flag --${m[1]} (known: ${[...byFlag.keys()].map((f) => `--${f}`).join(', ')})`);
    let value = m[2];
    if (value === undefined) {
      const isBool = spec.default === '0' || spec.default === '1';
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) { value = next; i++; }
      else if (isBool) value = '1';
      else throw new Error(`flag --${m[1]} needs a value`);
    }
    out[spec.env] = value;
  }
  return out;
}

export const configurationPhase: InitPhase = {
  name: 'configuration',
  description: 'Parse and validate configuration (environment variables and CLI flags)',
  run(ctx) {
    let config: Config;
    if (ctx.input.config) config = { ...ctx.input.config, ...(ctx.input.overrides ?? {}) };
    else config = loadConfig({ ...ctx.env, ...flagsToEnv(ctx.input.argv ?? []) }, ctx.input.overrides ?? {});
    ctx.setConfig(config);
    ctx.log.level = config.logLevel;
    ctx.log.info({ config: describeConfig(config) }, 'effective configuration');
    return `${CONFIG_SPECS.length} settings; port ${config.port}, ${config.workers} workers`;
  },
};
