/**
 * The second half of `npm run build` (after `tsc -p tsconfig.build.json`): copies
 * the files tsc does not emit into dist/ and records the commit the build is of
 * (dist/build-info.json; $EPOCHAL_BUILD_COMMIT when there is no .git), which the compiled package reports as its provenance
 * and its Worker Deployment build id.
 *
 *   npx tsx scripts/finish-build.ts
 */
import { copyFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BUILD_INFO_PATH, gitState, PACKAGE_ROOT } from '../src/package.js';

const copied = ['src/temporal/codec/failure-converter.cjs'];
for (const file of copied) await copyFile(join(PACKAGE_ROOT, file), join(PACKAGE_ROOT, 'dist', file));
// A checkout's commit; EPOCHAL_BUILD_COMMIT names it where there is no .git (a Docker build).
const given = process.env.EPOCHAL_BUILD_COMMIT?.trim();
const state = given ? { commit: given, dirty: false } : await gitState(PACKAGE_ROOT);
await writeFile(BUILD_INFO_PATH, `${JSON.stringify({ ...state, builtAt: new Date().toISOString() }, null, 2)}\n`);
console.log(`dist/ built${state.commit ? ` from ${state.commit.slice(0, 12)}${state.dirty ? ' (with uncommitted changes)' : ''}` : ''}`);
