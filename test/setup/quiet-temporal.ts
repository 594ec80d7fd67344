/**
 * Per-file setup: the Temporal SDK logs every failed activity at WARN with a
 * stack trace, which buries test output when tests fail activities on purpose.
 * Keep errors only. (The runtime can be installed once per process.)
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';

try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // already installed in this process
}
