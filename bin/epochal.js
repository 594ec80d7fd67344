#!/usr/bin/env node
// The `epochal` CLI. The installed package runs its compiled JavaScript (dist/);
// a source checkout (which has src/) runs the TypeScript itself through tsx, so
// it never runs a stale build.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import('../dist/src/cli/main.js');
}
