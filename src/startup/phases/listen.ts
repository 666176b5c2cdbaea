/** Phase "listen": the server's listen callback (InitInput.listen). Without one (weightinit check) it is skipped. */
import type { InitContext, InitPhase } from '../registry.ts';

export type ListenHook = (ctx: InitContext) => Promise<string | void>;

export const listenPhase: InitPhase = {
  name: 'listen',
  description: 'Build the HTTP app and start listening',
  dependsOn: ['configuration', 'features', 'selftest', 'pool', 'store'],
  async run(ctx) {
    const listen = ctx.input.listen as ListenHook | undefined;
    if (!listen) return { skipped: true, message: 'not listening (check mode)' };
    return (await listen(ctx)) ?? 'listening';
  },
};
