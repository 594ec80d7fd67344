/**
 * Installs `@tensorflow/tfjs-node` on a machine that cannot reach its
 * download host: the package and its dependencies from the npm registry
 * without install scripts, then its `deps/` filled from the libtensorflow
 * Epochal built (hard links into the cache, copies across file systems), then
 * its own install script, which finds the library present and compiles the
 * native addon from source against this Node's headers.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, cp, link, mkdir, readdir, readFile, readlink, rm, symlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

export const TFJS_NODE_PACKAGE = '@tensorflow/tfjs-node';

/** Why `@tensorflow/tfjs-node` cannot be loaded from `projectRoot`, or undefined when it loads. */
export async function tfjsNodeLoadError(projectRoot: string): Promise<string | undefined> {
  try {
    await promisify(execFile)(process.execPath, ['-e', `require(${JSON.stringify(TFJS_NODE_PACKAGE)})`], {
      cwd: projectRoot,
      env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' },
    });
    return undefined;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    return stderr.split('\n').find((line) => /Error|Cannot find/.test(line))?.trim() || (error as Error).message.split('\n')[0];
  }
}

/** The version of `@tensorflow/tfjs` installed in `projectRoot`, which tfjs-node must match. */
export async function installedTfjsVersion(projectRoot: string): Promise<string> {
  const require = createRequire(join(projectRoot, 'package.json'));
  const manifest = JSON.parse(await readFile(require.resolve('@tensorflow/tfjs/package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/**
 * Installs tfjs-node into `projectRoot`'s node_modules (without changing
 * package.json or the lockfile) and builds its addon against `libtensorflowDir`.
 */
export async function installTfjsNode(projectRoot: string, libtensorflowDir: string, log: (message: string) => void): Promise<void> {
  const version = await installedTfjsVersion(projectRoot);
  log(`Installing ${TFJS_NODE_PACKAGE}@${version} from the npm registry (without its download script)`);
  await run('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', `${TFJS_NODE_PACKAGE}@${version}`], projectRoot);

  const packageDir = dirname(createRequire(join(projectRoot, 'package.json')).resolve(`${TFJS_NODE_PACKAGE}/package.json`));
  const deps = join(packageDir, 'deps');
  await rm(deps, { recursive: true, force: true });
  await linkTree(join(libtensorflowDir, 'lib'), join(deps, 'lib'));
  await cp(join(libtensorflowDir, 'include'), join(deps, 'include'), { recursive: true });

  log(`Compiling the ${TFJS_NODE_PACKAGE} addon against libtensorflow in ${libtensorflowDir}`);
  await run(process.execPath, ['scripts/install.js'], packageDir, addonBuildEnv(projectRoot));
}

/**
 * The environment tfjs-node's install script needs when run outside npm:
 * node-pre-gyp on PATH, "build from source" (its prebuilt addon is on the same
 * unreachable host), and Node's own headers when this Node ships them (else
 * node-gyp would download them).
 */
function addonBuildEnv(projectRoot: string): NodeJS.ProcessEnv {
  const nodeRoot = dirname(dirname(process.execPath));
  const hasHeaders = existsSync(join(nodeRoot, 'include', 'node', 'common.gypi'));
  return {
    ...process.env,
    PATH: `${join(projectRoot, 'node_modules', '.bin')}:${process.env.PATH ?? ''}`,
    npm_config_build_from_source: 'true',
    ...(process.env.npm_config_nodedir || !hasHeaders ? {} : { npm_config_nodedir: nodeRoot }),
  };
}

/** Mirrors a folder of files and symlinks with hard links (copies where linking fails, e.g. across file systems). */
async function linkTree(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    const [source, target] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isSymbolicLink()) await symlink(await readlink(source), target);
    else await link(source, target).catch(() => copyFile(source, target));
  }
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (!error) resolve();
      else reject(new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stderr.trim() || error.message}`));
    });
  });
}
