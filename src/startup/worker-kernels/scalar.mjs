// Pool worker kernel init for the scalar kernels (see ../worker-kernels.ts). Plain JS on purpose: on
// Node 20, tsx's ESM hooks do not reach worker threads (a dynamic import of .ts fails there) but its
// CommonJS hooks do, so the TypeScript module is loaded with require(), the way piscina loads
// src/pool/worker.ts, which also shares that module cache (and so the kernel selection).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const initKernels = () => require('../worker-kernels.ts').initWorkerKernels('scalar');
