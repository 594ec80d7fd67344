/** The Temporal SDK's log level for this process; must be set before the first connection. */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';

/** Installs the SDK runtime with a logger at `level` (e.g. WARN for the demo, INFO for a long-running worker). */
export function setTemporalLogLevel(level: LogLevel): void {
  Runtime.install({ logger: new DefaultLogger(level) });
}
