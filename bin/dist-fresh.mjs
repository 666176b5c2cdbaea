// Is the prebuilt dist/src (scripts/build-dist.mjs) current? Fresh = dist/BUILT exists and is not
// older than any file under src/ nor the build script (when present); anything else (no build, a src edit
// since, a half-written build) is stale, and the launcher then runs src through tsx, so a stale
// dist can never serve old code. A stat walk of src/ (~120 entries) costs a few milliseconds.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir) {
  let newest = statSync(dir).mtimeMs; // a deleted or renamed file changes its directory's mtime
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when `${root}/dist/src` may be run instead of `${root}/src` (root: package directory path). */
export function distFresh(root) {
  try {
    const built = statSync(join(root, 'dist', 'BUILT')).mtimeMs;
    // The build script is absent where only run-time files are shipped (the Docker image).
    const script = statSync(join(root, 'scripts', 'build-dist.mjs'), { throwIfNoEntry: false });
    return built >= newestMtime(join(root, 'src')) && built >= (script?.mtimeMs ?? 0);
  } catch {
    return false; // no dist, or no src to compare with: not provably fresh
  }
}
