/** The README's scheme and configuration tables are generated; this fails when they are stale. */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { README_PATH, renderReadme } from '../../scripts/gen-readme.ts';
import { CONFIG_SPECS } from '../../src/config.ts';

t.test('README generated sections are current', async (t) => {
  const current = readFileSync(README_PATH, 'utf8');
  t.ok(renderReadme(current) === current, 'README.md is up to date (regenerate: npx tsx scripts/gen-readme.ts)');
  for (const s of CONFIG_SPECS) t.ok(current.includes(`\`${s.env}\``), `${s.env} is documented`);
  t.match(current, /npm ci && npm start/);
  t.match(current, /npm ci && npm test/);
});
