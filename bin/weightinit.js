#!/usr/bin/env node
// weightinit launcher: registers tsx's ESM loader in this process (no child process, so signals
// reach the service directly, also as PID 1) and runs src/cli.ts.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/cli.ts');
run(process.argv.slice(2));
