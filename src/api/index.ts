/**
 * `epochal`: configs as data for programs that generate them (the zod schemas,
 * the types inferred from them, loading and validation), the error vocabulary,
 * reading a failed run's failure, and Epochal's version. Workers import
 * `epochal/plugin`, programs that start runs `epochal/client`, workflows
 * `epochal/workflows`.
 */
export * from '../config/index.js';
export * from '../errors.js';
export { readFailure, type FailureSummary } from '../temporal/failures.js';
export { packageVersion, provenance, type Provenance } from '../package.js';
