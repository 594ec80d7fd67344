/**
 * The per-worker override: a worker started with `EPOCHAL_BACKEND=<name>`
 * runs every model on that backend, whatever the config asked for, so one
 * fleet can mix GPU workers and CPU workers on one task queue.
 */
import { BackendUnavailableError } from '../errors.js';
import { BACKEND_REQUESTS, isBackendRequest, type BackendRequest } from './names.js';

/** The environment variable that overrides the requested backend on one worker. */
export const BACKEND_ENV_VAR = 'EPOCHAL_BACKEND';

/**
 * The backend request a worker should honour: `EPOCHAL_BACKEND` when it is set
 * (and not blank), else `requested`.
 *
 * @param requested - What the config or caller asked for.
 * @param env - The environment to read (default `process.env`).
 * @throws BackendUnavailableError when `EPOCHAL_BACKEND` names no backend; it is
 *   retryable because the misconfiguration is this worker's, not the run's.
 */
export function effectiveBackendRequest(
  requested: BackendRequest,
  env: NodeJS.ProcessEnv = process.env,
): BackendRequest {
  const override = env[BACKEND_ENV_VAR]?.trim();
  if (!override) return requested;
  if (isBackendRequest(override)) return override;
  const expected = BACKEND_REQUESTS.join(', ');
  throw new BackendUnavailableError(
    `Expected ${BACKEND_ENV_VAR} to be one of ${expected}, but got ${JSON.stringify(override)}. ` +
      `Fix: set ${BACKEND_ENV_VAR} to one of those on this worker, or unset it to use the requested backend ("${requested}").`,
    override,
    [],
  );
}
