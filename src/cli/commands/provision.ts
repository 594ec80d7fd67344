/**
 * `epochal provision [temporal] [tensorflow] [s3]`: find or build what local
 * runs and tests need, into the Epochal cache folder: the Temporal CLI (the
 * default), the native TensorFlow backend (`@tensorflow/tfjs-node` on a
 * libtensorflow built from PyPI where Google's download host is out of
 * reach), a local S3-compatible server (versitygw) for the S3 store, and the
 * Temporal server, SQL tool and Web UI server of the production topology.
 */
import { Argument, type Command } from 'commander';
import { defaultCacheDir } from '../../cache-dir.js';
import { LIBTENSORFLOW_VERSION, provisionTensorflow } from '../../backend/provision/index.js';
import { provisionS3Server, VERSITYGW_VERSION } from '../../store/s3-server.js';
import { provisionTopologyBinaries, TEMPORAL_SERVER_VERSION, TEMPORAL_UI_VERSION } from '../../topology/binaries.js';
import { findTemporalCli, TEMPORAL_CLI_VERSION } from '../../temporal/cli-binary.js';
import { print } from '../shared.js';
import { PACKAGE_ROOT } from '../../package.js';

const TARGETS = ['temporal', 'tensorflow', 's3', 'topology'] as const;
type Target = (typeof TARGETS)[number];

const seconds = (started: number) => `${((Date.now() - started) / 1000).toFixed(1)} s`;

const PROVISIONERS: Record<Target, () => Promise<void>> = {
  temporal: async () => {
    const started = Date.now();
    const cli = await findTemporalCli({ log: print.info });
    if (!cli) {
      print.info('No Temporal CLI and no Go: local servers will use the Temporal SDK download (needs internet).');
      return;
    }
    print.ok(`Temporal CLI (${cli.source}): ${cli.path} [${seconds(started)}]`);
  },
  tensorflow: async () => {
    const started = Date.now();
    const result = await provisionTensorflow({ projectRoot: PACKAGE_ROOT, cacheDir: defaultCacheDir(), log: print.info });
    if (result.status === 'present') print.ok(`TensorFlow backend: @tensorflow/tfjs-node already loads [${seconds(started)}]`);
    else {
      const source = result.builtLibtensorflow ? 'built now' : 'from the cache';
      print.ok(`TensorFlow backend: @tensorflow/tfjs-node installed on libtensorflow ${LIBTENSORFLOW_VERSION} (${source}: ${result.libtensorflow}) [${seconds(started)}]`);
    }
  },
  s3: async () => {
    const started = Date.now();
    const binary = await provisionS3Server({ log: print.info });
    if (!binary) throw new Error(`No versitygw ${VERSITYGW_VERSION} in the Epochal cache and no Go to build it. Fix: install Go (https://go.dev/dl/), then run this again.`);
    print.ok(`S3 server (versitygw ${VERSITYGW_VERSION}): ${binary} [${seconds(started)}]`);
  },
  topology: async () => {
    const started = Date.now();
    const binaries = await provisionTopologyBinaries({ log: print.info });
    print.ok(`Temporal server ${TEMPORAL_SERVER_VERSION}, its SQL tool and the Web UI server ${TEMPORAL_UI_VERSION}: ${Object.values(binaries).join(', ')} [${seconds(started)}]`);
  },
};

export function registerProvision(program: Command): void {
  program
    .command('provision')
    .description(
      `Find or build what local runs need, into the Epochal cache: the Temporal CLI v${TEMPORAL_CLI_VERSION} (default) ` +
        `, the native TensorFlow backend (libtensorflow ${LIBTENSORFLOW_VERSION} from PyPI, @tensorflow/tfjs-node compiled against it) ` +
        `, a local S3-compatible server (versitygw ${VERSITYGW_VERSION}) for artifact roots on s3://, ` +
        `and the production topology's Temporal server ${TEMPORAL_SERVER_VERSION}, SQL tool and Web UI server ${TEMPORAL_UI_VERSION}`,
    )
    .addArgument(new Argument('[targets...]', 'what to provision').choices(TARGETS).default(['temporal']))
    .option('--print-path', "print only the Temporal CLI's path (building it first if needed; progress goes to stderr), e.g. for PATH=\"$(dirname \"$(npx epochal provision --print-path)\"):$PATH\"")
    .action(async (targets: Target[], flags: { printPath?: boolean }) => {
      if (flags.printPath) return printTemporalPath();
      for (const target of new Set(targets)) await PROVISIONERS[target]();
    });
}

/** The Temporal CLI's path alone on stdout; exit 1 when there is none (no Go to build one). */
async function printTemporalPath(): Promise<void> {
  const cli = await findTemporalCli({ log: (message) => console.error(message) });
  if (cli) {
    console.log(cli.path);
    return;
  }
  print.fail('No Temporal CLI found and none can be built here (no Go). Install one (https://docs.temporal.io/cli) or Go, then run this again.');
  process.exitCode = 1;
}
