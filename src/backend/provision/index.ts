/**
 * `epochal provision tensorflow`: makes the native `tensorflow` backend
 * usable on this machine. Where `@tensorflow/tfjs-node` already loads (a
 * plain `npm install` with internet does that) nothing happens; otherwise
 * libtensorflow is built from PyPI into the Epochal cache folder (once) and
 * tfjs-node is installed and compiled against it.
 */
import { ensureLibtensorflow } from './libtensorflow.js';
import { installTfjsNode, tfjsNodeLoadError, TFJS_NODE_PACKAGE } from './tfjs-node.js';

export { LIBTENSORFLOW_VERSION, libtensorflowDir, unsupportedPlatform } from './libtensorflow.js';
export { TFJS_NODE_PACKAGE, tfjsNodeLoadError } from './tfjs-node.js';

export interface ProvisionedTensorflow {
  /** present: tfjs-node already loaded; installed: Epochal installed it now. */
  status: 'present' | 'installed';
  /** The libtensorflow folder it was compiled against, when Epochal installed it. */
  libtensorflow?: string;
  /** Whether libtensorflow had to be built (not found in the cache). */
  builtLibtensorflow?: boolean;
}

export interface ProvisionOptions {
  /** The project whose node_modules gets tfjs-node. */
  projectRoot: string;
  /** The Epochal cache folder. */
  cacheDir: string;
  log?: (message: string) => void;
}

export async function provisionTensorflow(options: ProvisionOptions): Promise<ProvisionedTensorflow> {
  const log = options.log ?? (() => {});
  const before = await tfjsNodeLoadError(options.projectRoot);
  if (before === undefined) return { status: 'present' };
  log(`${TFJS_NODE_PACKAGE} does not load (${before}); installing it against a libtensorflow built from PyPI`);
  const { dir, built } = await ensureLibtensorflow(options.cacheDir, log);
  await installTfjsNode(options.projectRoot, dir, log);
  const after = await tfjsNodeLoadError(options.projectRoot);
  if (after !== undefined) throw new Error(`${TFJS_NODE_PACKAGE} was installed against ${dir} but still does not load: ${after}`);
  return { status: 'installed', libtensorflow: dir, builtLibtensorflow: built };
}
