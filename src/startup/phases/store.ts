/**
 * Phase "store": index the pretrained store (src/store): every .safetensors/.npy file's tensors and
 * SHA-256. Corrupt or unreadable files are warnings naming the file (shown in /readyz?verbose) and
 * the rest of the store serves; an explicitly configured folder that cannot be read fails startup.
 */
import type { InitPhase } from '../registry.ts';
import { describeStore, indexStore } from '../../store/index.ts';

export const storePhase: InitPhase = {
  name: 'store',
  description: 'Index the pretrained weight store (WEIGHTINIT_STORE)',
  dependsOn: ['configuration'],
  async run(ctx) {
    const index = await indexStore(ctx.config);
    ctx.services.store = index;
    if (!index.root && index.problems.length > 0) throw new Error(index.problems.map((p) => `${p.file}: ${p.reason}`).join('; '));
    return describeStore(index);
  },
};
