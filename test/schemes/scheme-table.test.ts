/** docs/schemes.md is generated from the registry; this fails when it is stale. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { renderSchemeTable, DOC_PATH } from '../../scripts/gen-scheme-table.ts';
import { listSchemes } from '../../src/core/schemes/registry.ts';

t.test('docs/schemes.md matches the registry', async (t) => {
  let current = '';
  try { current = readFileSync(DOC_PATH, 'utf8'); } catch { /* missing: stale */ }
  const fresh = renderSchemeTable();
  t.ok(current === fresh, 'docs/schemes.md is up to date (regenerate: npx tsx scripts/gen-scheme-table.ts)');
  for (const d of listSchemes()) if (!fresh.includes(`| \`${d.name}\` |`)) t.fail(`${d.name} missing from the table`);
  t.match(fresh, /\| `torch\.kaiming_uniform_` \|.*`a` \(number; = 0\)/, 'params with defaults are listed');
});
