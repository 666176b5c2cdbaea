#!/usr/bin/env node
// Builds the WebAssembly SIMD kernels (src/core/kernels/assembly) into src/core/kernels/wasm/kernels.wasm.
// The .wasm is committed, so running the service needs no build; rerun this after editing the sources.
// Flags: SIMD on, nothing newer (no relaxed-simd: its results may differ between machines); stub runtime
// (no GC, the kernels never allocate); no abort import, so the module instantiates with no imports;
// 2 initial pages = static data + the 64 KiB scratch buffer, and no growth. asc output is deterministic.
import asc from 'assemblyscript/asc';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = 'src/core/kernels/wasm/kernels.wasm';
const { error } = await asc.main([
  'src/core/kernels/assembly/index.ts',
  '--outFile', out,
  ...(process.env.WAT ? ['--textFile', '/tmp/kernels.wat'] : []), // WAT=1: readable text to inspect
  '--enable', 'simd',
  '--disable', 'relaxed-simd',
  '-O3', '--converge', '--noAssert',
  '--runtime', 'stub',
  '--use', 'abort=',
  '--initialMemory', '2', '--maximumMemory', '2',
  '--baseDir', root,
], { stdout: process.stdout, stderr: process.stderr });
if (error) {
  console.error(error.message);
  process.exit(1);
}
const bytes = readFileSync(new URL(`../${out}`, import.meta.url));
console.log(`${out}: ${bytes.length} bytes`);
