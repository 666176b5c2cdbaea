/** /v1/schemes: the catalogue and one scheme by name or alias. */
import t from 'tap';
import { testApp } from './helpers.ts';

const { app } = await testApp();
t.teardown(() => app.close());

t.test('list', async (t) => {
  const r = await app.inject({ url: '/v1/schemes' });
  t.equal(r.statusCode, 200);
  const body = r.json();
  t.equal(body.count, body.schemes.length);
  const normal = body.schemes.find((s: { name: string }) => s.name === 'normal');
  t.same(normal.params.std.default, 1);
  t.ok(normal.aliases.includes('gaussian'));
  const torch = (await app.inject({ url: '/v1/schemes?framework=torch' })).json();
  t.ok(torch.count > 0);
  t.ok(torch.schemes.every((s: { framework: string }) => s.framework === 'torch'));
});

t.test('one by alias, case-insensitive', async (t) => {
  const r = await app.inject({ url: '/v1/schemes/GAUSSIAN' });
  t.equal(r.statusCode, 200);
  t.equal(r.json().name, 'normal');
  t.type(r.json().formula, 'string');
});
