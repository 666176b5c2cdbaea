/** Phase "store": the pretrained store check. A later issue indexes the store here; for now it only looks. */
import fs from 'node:fs';
import type { InitPhase } from '../registry.ts';

export const storePhase: InitPhase = {
  name: 'store',
  description: 'Check the pretrained weight store (WEIGHTINIT_STORE)',
  dependsOn: ['configuration'],
  run(ctx) {
    const dir = ctx.config.store;
    const present = dir !== '' && fs.existsSync(dir);
    return { skipped: true, message: present ? `store ${dir} present; indexing not implemented yet` : `no store at ${dir || '(unset)'}` };
  },
};
