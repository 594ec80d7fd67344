/**
 * The README's shell commands, as a reader would copy them: every line of its
 * ```sh blocks (indented ones in list items too), backslash continuations joined, trailing `# comments` dropped;
 * and a sandbox that runs them verbatim (`npx epochal` is this checkout's CLI,
 * `temporal` the suite's Temporal CLI) against the suite's server.
 */
import { chmod, cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { EPOCHAL_BIN, REPO, run, type Finished } from './processes.js';

/** Every command in the README's `sh` code blocks, in order. */
export async function readmeCommands(): Promise<string[]> {
  const markdown = await readFile(join(REPO, 'README.md'), 'utf8');
  const blocks = [...markdown.matchAll(/^[ \t]*```sh\n([\s\S]*?)^[ \t]*```/gm)].map((match) => match[1]!); // blocks in list items too
  return blocks.flatMap((block) =>
    block
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .map((line) => line.replace(/\s+#\s.*$/, '').trim())
      .filter((line) => line.length > 0),
  );
}

export interface Sandbox {
  /** The working folder: a copy of `configs/`, where commands run. */
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Runs a command line with bash, as a reader's shell would. */
  sh(command: string): Promise<Finished>;
}

/**
 * A folder holding a copy of the configs (edited by `edit`), and a `bin/` whose
 * `npx epochal` is this checkout's CLI and whose `temporal` is `temporalCli`.
 */
export async function readmeSandbox(temporalCli: string, env: NodeJS.ProcessEnv, edit: (dir: string) => Promise<void>): Promise<Sandbox> {
  const dir = await mkdtemp(join(tmpdir(), 'epochal-readme-'));
  await cp(join(REPO, 'configs'), join(dir, 'configs'), { recursive: true });
  await edit(dir);
  const bin = join(dir, 'bin');
  await mkdir(bin);
  await symlink(temporalCli, join(bin, 'temporal'));
  const npx = join(bin, 'npx');
  await writeFile(npx, `#!/bin/sh\nif [ "$1" = epochal ]; then shift; exec "${process.execPath}" "${EPOCHAL_BIN}" "$@"; fi\necho "npx $1 is not part of the README sandbox" >&2\nexit 127\n`);
  await chmod(npx, 0o755);
  const sandboxEnv = { ...env, PATH: `${bin}:${process.env.PATH}` };
  return { dir, env: sandboxEnv, sh: (command) => run('bash', ['-c', command], { cwd: dir, env: sandboxEnv }) };
}
