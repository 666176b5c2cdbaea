/**
 * Init-phase registry: weightinit's GlobalInit, after Caffe2's caffe2/core/init.{h,cc}
 * (../shared/reference/startup.md, part A).
 *
 * Kept from Caffe2:
 *  - early phases run first (before configuration is parsed), then the normal ones, each list in
 *    registration order (plus optional `dependsOn`, which Caffe2 lacked);
 *  - a second globalInit() does not re-run anything; concurrent calls share the one run;
 *  - a normal phase registered after init has run runs at once with a warning; an early one throws;
 *  - the first failing phase stops startup, and the error names the phase and its reason;
 *  - runPhase(name) runs one phase alone, bypassing the run-once state (Caffe2's
 *    unsafeRunCaffe2InitFunction), for tests.
 * Different on purpose: after a failed run, further calls report the same failure instead of retrying
 * (a half-initialized process should be restarted, not re-initialized).
 */
import pino, { type Logger } from 'pino';
import type { Config } from '../config.ts';

export type PhaseStatus = 'pending' | 'running' | 'ok' | 'failed' | 'skipped';
export type InitState = 'uninitialized' | 'initializing' | 'initialized' | 'failed';

/** What a phase may return: nothing, a message, or a message with warnings / a skip marker. */
export type PhaseOutcome = void | string | { message?: string; warnings?: string[]; skipped?: boolean };

export interface InitPhase {
  name: string;
  description: string;
  early?: boolean;
  dependsOn?: string[];
  run(ctx: InitContext): PhaseOutcome | Promise<PhaseOutcome>;
}

export interface PhaseRecord {
  name: string;
  description: string;
  early: boolean;
  status: PhaseStatus;
  durationMs: number;
  message: string;
  warnings: string[];
}

/** Inputs of one init run; everything is injectable so tests need no real environment. */
export interface InitInput {
  env?: NodeJS.ProcessEnv;
  /** CLI flags (already split), mapped onto the configuration by the configuration phase. */
  argv?: string[];
  /** A configuration already parsed (skips parsing, still validated and logged). */
  config?: Config;
  /** Overrides applied on top of the parsed configuration (tests). */
  overrides?: Partial<Config>;
  logger?: Logger;
  /** Called after each phase ends (e.g. the server starts building the app once configuration passed). */
  onPhase?: (record: PhaseRecord, ctx: InitContext) => void;
  /** Free-form hooks for phases: e.g. probes.simd, listen(ctx). */
  [hook: string]: unknown;
}

export interface InitContext {
  readonly input: InitInput;
  readonly env: NodeJS.ProcessEnv;
  readonly log: Logger;
  /** The parsed configuration; throws before the configuration phase has run. */
  readonly config: Config;
  setConfig(config: Config): void;
  hasConfig(): boolean;
  /** Objects phases hand to later phases and to the server (pool, feature report, ...). */
  readonly services: Record<string, unknown>;
}

export interface InitReport {
  ok: boolean;
  totalMs: number;
  phases: PhaseRecord[];
  failed?: { phase: string; reason: string };
}

export class InitFailure extends Error {
  constructor(readonly phase: string, readonly reason: string, readonly report?: InitReport) {
    super(`startup phase "${phase}" failed: ${reason}`);
    this.name = 'InitFailure';
  }
}

/** Test hook: WEIGHTINIT_FAIL_PHASE=<name> makes that phase fail (used by `weightinit check` tests). */
export const FAIL_PHASE_ENV = 'WEIGHTINIT_FAIL_PHASE';

function outcomeOf(o: PhaseOutcome): { message: string; warnings: string[]; skipped: boolean } {
  if (o === undefined || o === null) return { message: '', warnings: [], skipped: false };
  if (typeof o === 'string') return { message: o, warnings: [], skipped: false };
  return { message: o.message ?? '', warnings: o.warnings ?? [], skipped: o.skipped === true };
}

function reasonOf(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

export class InitRegistry {
  private readonly phases: InitPhase[] = [];
  private readonly recs = new Map<string, PhaseRecord>();
  private stateValue: InitState = 'uninitialized';
  private run: Promise<InitReport> | undefined;
  private ctx: InitContext | undefined;
  private shuttingDown = false;
  private log: Logger;

  constructor(logger?: Logger) {
    this.log = logger ?? pino({ name: 'weightinit' });
  }

  get state(): InitState { return this.stateValue; }
  get context(): InitContext | undefined { return this.ctx; }

  /**
   * Registers a phase. Before init it is queued. During init a normal phase is appended and runs in
   * this run. After init a normal phase runs at once with a warning (the returned promise rejects
   * with InitFailure if it fails); an early phase throws, as in Caffe2.
   */
  register(phase: InitPhase): Promise<PhaseRecord> | undefined {
    if (!/^[a-z][a-z0-9_.\/-]*$/.test(phase.name)) throw new Error(`invalid init phase name ${JSON.stringify(phase.name)}`);
    if (this.recs.has(phase.name)) throw new Error(`init phase "${phase.name}" is already registered`);
    const early = phase.early === true;
    if (early && this.stateValue !== 'uninitialized') {
      throw new Error(`cannot register early init phase "${phase.name}" after globalInit has started`);
    }
    this.phases.push(phase);
    this.recs.set(phase.name, { name: phase.name, description: phase.description, early, status: 'pending', durationMs: 0, message: '', warnings: [] });
    if (this.stateValue === 'initialized' && this.ctx) {
      this.ctx.log.warn({ phase: phase.name }, `Running init phase after globalInit: ${phase.description}`);
      return this.execute(phase, this.ctx).then((rec) => {
        if (rec.status === 'failed') throw new InitFailure(phase.name, rec.message);
        return rec;
      });
    }
    return undefined;
  }

  /** Runs every phase once. Later and concurrent calls get the same result (or the same failure). */
  globalInit(input: InitInput = {}): Promise<InitReport> {
    this.run ??= this.runAll(input);
    return this.run;
  }

  /** Runs one named phase alone, ignoring run-once state (tests; Caffe2's unsafeRunCaffe2InitFunction). */
  async runPhase(name: string, input: InitInput = {}): Promise<PhaseRecord> {
    const phase = this.phases.find((p) => p.name === name);
    if (!phase) throw new Error(`unknown init phase "${name}"`);
    const ctx = this.ctx ?? this.makeContext(input);
    return this.execute(phase, ctx);
  }

  records(): PhaseRecord[] { return this.phases.map((p) => ({ ...this.recs.get(p.name)! })); }
  record(name: string): PhaseRecord | undefined { const r = this.recs.get(name); return r && { ...r }; }
  names(): string[] { return this.phases.map((p) => p.name); }

  /** Ready = init finished, every phase passed (or was skipped), and shutdown has not begun. */
  ready(): boolean {
    return this.stateValue === 'initialized' && !this.shuttingDown && [...this.recs.values()].every((r) => r.status === 'ok' || r.status === 'skipped');
  }
  isShuttingDown(): boolean { return this.shuttingDown; }
  /** Readiness turns false from this moment on (SIGTERM). */
  beginShutdown(): void { this.shuttingDown = true; }

  private makeContext(input: InitInput): InitContext {
    const env = input.env ?? process.env;
    const log = input.logger ?? this.log;
    let config: Config | undefined = input.config;
    const services: Record<string, unknown> = {};
    return {
      input, env, log, services,
      get config(): Config {
        if (!config) throw new Error('configuration is not loaded yet (the configuration phase has not run)');
        return config;
      },
      setConfig(c: Config) { config = c; },
      hasConfig() { return config !== undefined; },
    };
  }

  /** Registration order, with each phase's dependencies moved before it (stable). */
  private ordered(list: InitPhase[], known: Set<string>): InitPhase[] {
    const byName = new Map(list.map((p) => [p.name, p]));
    const out: InitPhase[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (p: InitPhase, path: string[]): void => {
      const s = state.get(p.name);
      if (s === 'done') return;
      if (s === 'visiting') throw new InitFailure(p.name, `dependency cycle: ${[...path, p.name].join(' -> ')}`);
      state.set(p.name, 'visiting');
      for (const d of p.dependsOn ?? []) {
        const dep = byName.get(d);
        if (dep) visit(dep, [...path, p.name]);
        else if (!known.has(d)) throw new InitFailure(p.name, `depends on unknown phase "${d}"`);
      }
      state.set(p.name, 'done');
      out.push(p);
    };
    for (const p of list) visit(p, []);
    return out;
  }

  private async execute(phase: InitPhase, ctx: InitContext): Promise<PhaseRecord> {
    const rec = this.recs.get(phase.name)!;
    rec.status = 'running'; rec.message = ''; rec.warnings = [];
    const t0 = performance.now();
    try {
      const forced = ctx.env[FAIL_PHASE_ENV];
      if (forced && forced.split(',').map((s) => s.trim()).includes(phase.name)) {
        throw new Error(`forced failure (${FAIL_PHASE_ENV}=${forced})`);
      }
      const o = outcomeOf(await phase.run(ctx));
      rec.status = o.skipped ? 'skipped' : 'ok';
      rec.message = o.message;
      rec.warnings = o.warnings;
    } catch (e) {
      rec.status = 'failed';
      rec.message = reasonOf(e);
    }
    rec.durationMs = performance.now() - t0;
    const line = { phase: rec.name, status: rec.status, durationMs: Math.round(rec.durationMs * 100) / 100, ...(rec.message ? { detail: rec.message } : {}) };
    if (rec.status === 'failed') ctx.log.error(line, `init phase ${rec.name} failed: ${rec.message}`);
    else {
      ctx.log.info(line, `init phase ${rec.name} ${rec.status}: ${rec.description}`);
      for (const w of rec.warnings) ctx.log.warn({ phase: rec.name }, w);
    }
    try { ctx.input.onPhase?.({ ...rec }, ctx); } catch (e) { ctx.log.error({ err: e, phase: rec.name }, 'onPhase observer threw'); }
    return { ...rec };
  }

  private async runAll(input: InitInput): Promise<InitReport> {
    this.stateValue = 'initializing';
    const ctx = this.makeContext(input);
    this.ctx = ctx;
    const t0 = performance.now();
    const report = (failed?: { phase: string; reason: string }): InitReport => ({
      ok: !failed, totalMs: performance.now() - t0, phases: this.records(), ...(failed ? { failed } : {}),
    });
    const fail = (phase: string, reason: string): never => {
      this.stateValue = 'failed';
      const r = report({ phase, reason });
      ctx.log.error({ phase, reason, totalMs: Math.round(r.totalMs) }, `startup failed in phase ${phase}: ${reason}`);
      throw new InitFailure(phase, reason, r);
    };
    // Early phases, then the normal ones; normal phases registered while running are picked up too.
    for (const early of [true, false]) {
      const done = new Set(this.phases.filter((p) => (p.early === true) !== early || this.recs.get(p.name)!.status !== 'pending').map((p) => p.name));
      for (;;) {
        const pending = this.phases.filter((p) => (p.early === true) === early && this.recs.get(p.name)!.status === 'pending');
        if (pending.length === 0) break;
        let order: InitPhase[];
        try { order = this.ordered(pending, done); } catch (e) {
          if (e instanceof InitFailure) { this.recs.get(e.phase)!.status = 'failed'; this.recs.get(e.phase)!.message = e.reason; return fail(e.phase, e.reason); }
          throw e;
        }
        for (const p of order) {
          const rec = await this.execute(p, ctx);
          if (rec.status === 'failed') return fail(p.name, rec.message);
          done.add(p.name);
        }
      }
    }
    this.stateValue = 'initialized';
    const r = report();
    ctx.log.info({ totalMs: Math.round(r.totalMs * 100) / 100, phases: r.phases.map((p) => `${p.name}:${p.status}:${Math.round(p.durationMs)}ms`) },
      `startup complete in ${Math.round(r.totalMs)} ms`);
    return r;
  }
}
