/**
 * The failure converter of every Epochal worker, client and workflow bundle:
 * failure messages and stack traces go into an encoded-attributes payload, so
 * the payload codec encrypts them with everything else (they can name paths
 * and config values). Without a codec they stay readable as before.
 *
 * CommonJS on purpose: the Temporal SDK `require()`s this module by path
 * (DataConverter.failureConverterPath) in workers, whatever runs them.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const { DefaultFailureConverter } = require('@temporalio/common');

exports.failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
