/**
 * `weightinit generate`: writes one tensor to a file offline, with the same planning, core, pool and
 * framing as GET /v1/tensors, so the file equals the HTTP response byte for byte.
 *   weightinit generate --scheme orthogonal --shape 512,512 --seed 1 [--name w] [--dtype float32]
 *     [--layout torch] [--slice 0:128,:] [--multiplier 0.5] [--spectral-norm true] [--fan-in N] [--fan-out N] [--param key=value ...]
 *     [--format npy|safetensors|raw|msgpack] --out FILE
 * The format defaults to the output file's extension (.npy, .safetensors, .msgpack, else raw).
 * On a terminal a progress bar goes to stderr.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { loadConfig } from './config.ts';
import { RecipeError } from './core/errors.ts';
import { createPool, prepareJob, tensorBody } from './pool/index.ts';
import { planTensor, type TensorRequest } from './http/routes/tensor-plan.ts';
import { kernelMode } from './core/kernels/index.ts';
import { workerKernelsUrl } from './startup/worker-kernels.ts';

export const GENERATE_USAGE = `usage: weightinit generate --scheme NAME --shape D0,D1,... --out FILE [--seed N] [--name S] [--dtype T]
       [--layout torch|keras|caffe] [--slice 0:128,:] [--multiplier X] [--spectral-norm true|N] [--fan-in N] [--fan-out N]
       [--param key=value ...] [--format npy|safetensors|raw|msgpack] [--workers N] [--quiet]`;

const EXT_FORMAT: Record<string, string> = { npy: 'npy', safetensors: 'safetensors', msgpack: 'msgpack', bin: 'raw', raw: 'raw' };

/** Parses --key value / --key=value flags; --param may repeat. */
export function parseGenerateArgs(args: string[]): { request: TensorRequest; out: string; workers?: number; quiet: boolean } {
  const flags = new Map<string, string>();
  const params: Record<string, unknown> = {};
  let quiet = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${JSON.stringify(a)}\n${GENERATE_USAGE}`);
    if (a === '--quiet') { quiet = true; continue; }
    const eq = a.indexOf('=');
    const key = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const value = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (value === undefined) throw new Error(`--${key} needs a value\n${GENERATE_USAGE}`);
    if (key === 'param') {
      const j = value.indexOf('=');
      if (j <= 0) throw new Error(`--param needs key=value, got ${JSON.stringify(value)}`);
      const raw = value.slice(j + 1);
      // JSON where it parses (numbers, booleans, arrays), else the string itself (like a query key).
      try { params[value.slice(0, j)] = JSON.parse(raw); } catch { params[value.slice(0, j)] = raw; }
    } else flags.set(key, value);
  }
  const out = flags.get('out');
  if (!out) throw new Error(`--out is required\n${GENERATE_USAGE}`);
  const ext = out.includes('.') ? out.slice(out.lastIndexOf('.') + 1).toLowerCase() : '';
  const request: TensorRequest = {
    input: {
      scheme: flags.get('scheme') ?? '', shape: flags.get('shape') ?? '', seed: flags.get('seed'), dtype: flags.get('dtype'),
      name: flags.get('name'), layout: flags.get('layout'), fan_in: flags.get('fan-in'), fan_out: flags.get('fan-out'),
      multiplier: flags.get('multiplier'), spectral_norm: flags.get('spectral-norm'), params,
    },
    slice: flags.get('slice'),
    format: flags.get('format') ?? EXT_FORMAT[ext] ?? 'raw',
  };
  const workers = flags.has('workers') ? Number(flags.get('workers')) : undefined;
  return { request, out, quiet, ...(workers !== undefined ? { workers } : {}) };
}

function progressBar(total: number): Transform {
  let done = 0, last = 0;
  const t0 = Date.now();
  const draw = () => {
    const frac = total ? done / total : 1;
    const width = 30, filled = Math.round(frac * width);
    const mb = (n: number) => (n / 2 ** 20).toFixed(1);
    const rate = done / 2 ** 20 / Math.max(1e-3, (Date.now() - t0) / 1000);
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${mb(done)}/${mb(total)} MiB ${rate.toFixed(0)} MiB/s`);
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      if (Date.now() - last > 100) { last = Date.now(); draw(); }
      cb(null, chunk);
    },
    flush(cb) { draw(); process.stderr.write('\n'); cb(); },
  });
}

/** Runs the command; returns the process exit code. */
export async function generateCommand(args: string[]): Promise<number> {
  let parsed;
  try { parsed = parseGenerateArgs(args); } catch (e) { process.stderr.write(`weightinit generate: ${(e as Error).message}\n`); return 2; }
  const config = loadConfig(process.env, parsed.workers ? { workers: parsed.workers } : {});
  let plan;
  try {
    plan = planTensor(parsed.request, undefined, config);
    if (!plan.framing) throw new RecipeError('unsupported', 'format', 'generate writes binary formats only: npy, safetensors, raw or msgpack', parsed.request.format);
  } catch (e) {
    if (e instanceof RecipeError) { process.stderr.write(`weightinit generate: ${e.message}\n`); return 2; }
    throw e;
  }
  const limits = { chunkBytes: config.chunkBytes, windowChunks: config.windowChunks, mainThreadMaxBytes: config.mainThreadMaxBytes };
  const pool = createPool(config, { kernelInit: workerKernelsUrl(kernelMode()) });
  try {
    const { job } = await prepareJob(pool, plan.job, limits);
    const body = tensorBody(pool, job, limits, plan.framing);
    const file = createWriteStream(parsed.out);
    const showProgress = !parsed.quiet && process.stderr.isTTY;
    if (Buffer.isBuffer(body)) {
      file.end(body);
      await once(file, 'finish');
    } else if (showProgress) await pipeline(body, progressBar(plan.framing.length), file);
    else await pipeline(body, file);
    if (!parsed.quiet) process.stderr.write(`wrote ${parsed.out}: ${plan.format}, shape [${plan.meta.shape.join(', ')}], ${plan.meta.dtype}, ${plan.framing.length} bytes, recipe ${plan.meta.recipeId}\n`);
    return 0;
  } catch (e) {
    if (e instanceof RecipeError) { process.stderr.write(`weightinit generate: ${e.message}\n`); return 2; }
    throw e;
  } finally {
    await pool.close();
  }
}
