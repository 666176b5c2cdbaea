/** The committed openapi/openapi.json is what the code generates (run `npm run openapi` after changing routes). */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { generateOpenApiText, OPENAPI_PATH } from '../../scripts/write-openapi.ts';
import { testApp } from './helpers.ts';

t.test('openapi/openapi.json is up to date', async (t) => {
  const committed = readFileSync(OPENAPI_PATH, 'utf8');
  const generated = await generateOpenApiText();
  t.ok(committed === generated, 'openapi/openapi.json differs from the generated document: run `npm run openapi` and commit it');
  const doc = JSON.parse(generated);
  for (const p of ['/v1/tensors', '/v1/tensors/digest', '/v1/schemes', '/v1/schemes/{name}']) t.ok(doc.paths[p], p);
  t.ok(doc.paths['/v1/tensors'].get && doc.paths['/v1/tensors'].post && doc.paths['/v1/tensors'].head, 'GET, POST, HEAD');
  t.ok(doc.paths['/v1/tensors'].post.requestBody.content['application/msgpack'], 'msgpack body documented');
});

t.test('/openapi.json and /docs are served', async (t) => {
  const { app } = await testApp();
  t.teardown(() => app.close());
  const doc = await app.inject({ url: '/openapi.json' });
  t.equal(doc.statusCode, 200);
  t.equal(doc.json().info.title, 'weightinit');
  const ui = await app.inject({ url: '/docs/' });
  t.equal(ui.statusCode, 200);
  t.match(ui.payload, /swagger/i);
});
