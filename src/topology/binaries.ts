/**
 * The Go programs of a production-shaped Temporal topology, each pinned and
 * built once with `go install` into the Epochal cache (see
 * `provision/go-binary.ts`): the Temporal server, its SQL schema tool and the
 * Web UI server. Two of them are called `server`, so each has its own folder.
 */
import { cachedGoBinaryPath, provisionGoBinary, type GoBinary, type GoBuildOptions } from '../provision/go-binary.js';

/** The newest Temporal server release that builds with the Go this project pins (1.32.2 needs a newer Go). */
export const TEMPORAL_SERVER_VERSION = '1.32.1';
/** The newest Temporal UI server release that builds with the same Go. */
export const TEMPORAL_UI_VERSION = '2.55.0';

export const TEMPORAL_SERVER: GoBinary = {
  title: 'the Temporal server',
  module: 'go.temporal.io/server/cmd/server',
  version: TEMPORAL_SERVER_VERSION,
  binary: 'server',
  folder: `temporal-server-${TEMPORAL_SERVER_VERSION}`,
  usually: 'usually 3–12 min',
  detail: 'usually 3–12 min: several minutes on a 2-core machine, longer under load',
};

/** `temporal-sql-tool` upstream: creates and upgrades the PostgreSQL / MySQL schemas. */
export const TEMPORAL_SQL_TOOL: GoBinary = {
  title: 'the Temporal SQL schema tool',
  module: 'go.temporal.io/server/cmd/tools/sql',
  version: TEMPORAL_SERVER_VERSION,
  binary: 'sql',
  folder: `temporal-sql-tool-${TEMPORAL_SERVER_VERSION}`,
  usually: 'usually 1–5 min',
  detail: 'usually 1–5 min; quicker once the Temporal server has been built (shared module and build caches)',
};

export const TEMPORAL_UI_SERVER: GoBinary = {
  title: 'the Temporal Web UI server',
  module: 'github.com/temporalio/ui-server/v2/cmd/server',
  version: TEMPORAL_UI_VERSION,
  binary: 'server',
  folder: `temporal-ui-server-${TEMPORAL_UI_VERSION}`,
  usually: 'usually 1–5 min',
};

/** Paths of the three built programs. */
export interface TopologyBinaries {
  server: string;
  sqlTool: string;
  uiServer: string;
}

/**
 * Builds whichever of the three the cache lacks, one after another (Go
 * already uses every core for one build), or fails saying how to get Go.
 */
export async function provisionTopologyBinaries(options: GoBuildOptions = {}): Promise<TopologyBinaries> {
  const paths: string[] = [];
  for (const binary of [TEMPORAL_SERVER, TEMPORAL_SQL_TOOL, TEMPORAL_UI_SERVER]) {
    const path = await provisionGoBinary(binary, options);
    if (!path) {
      throw new Error(
        `${binary.title} ${binary.version} is not in the Epochal cache and there is no Go on PATH to build it. ` +
          `Install Go (https://go.dev/dl/), or build it elsewhere with \`go install ${binary.module}@v${binary.version}\` and copy it to ${cachedGoBinaryPath(binary, options.cacheDir)}.`,
      );
    }
    paths.push(path);
  }
  const [server, sqlTool, uiServer] = paths as [string, string, string];
  return { server, sqlTool, uiServer };
}
