/**
 * Epochal's one error vocabulary. Every error a user can fix (a bad config,
 * incompatible weights, corrupt data) is an `EpochalError` subclass carrying
 * its context; `src/temporal/failures.ts` maps them to non-retryable Temporal
 * failures in one place. Anything else is treated as transient and retried.
 */
import { formatIssues, type ConfigIssue } from './config/issues.js';

export abstract class EpochalError extends Error {
  /** The failure type shown in Temporal (`ApplicationFailure.type`). */
  abstract readonly type: string;
  /** Whether retrying could help; user-fixable problems never are. */
  readonly retryable: boolean = false;

  /** Structured context attached to the Temporal failure as details. */
  abstract details(): unknown;
}

/** One or more problems in net/train/infer params, all reported at once. */
export class ConfigError extends EpochalError {
  readonly type = 'InvalidConfig';

  constructor(readonly issues: readonly ConfigIssue[]) {
    const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
    super(`Invalid config (${count}):\n${formatIssues(issues)}`);
    this.name = 'ConfigError';
  }

  details(): { issues: readonly ConfigIssue[] } {
    return { issues: this.issues };
  }
}

/** Pretrained weights that do not fit the network under the chosen policy. */
export class WeightsError extends EpochalError {
  readonly type = 'IncompatibleWeights';

  constructor(
    message: string,
    /** Where the weights came from. */
    readonly source: string,
    /** The weights (by name) at fault, with what was expected and found. */
    readonly problems: readonly { weight: string; problem: string }[],
  ) {
    super(message);
    this.name = 'WeightsError';
  }

  details(): { source: string; problems: readonly { weight: string; problem: string }[] } {
    return { source: this.source, problems: this.problems };
  }
}

/** A weights file (safetensors, Keras) that is not what its format says: truncated, lying about offsets, an unknown dtype. */
export class WeightsFileError extends EpochalError {
  readonly type = 'InvalidWeightsFile';

  constructor(
    message: string,
    /** The file. */
    readonly file: string,
    /** The tensor at fault, when there is one. */
    readonly tensor?: string,
  ) {
    super(message);
    this.name = 'WeightsFileError';
  }

  details(): { file: string; tensor?: string } {
    return { file: this.file, ...(this.tensor !== undefined ? { tensor: this.tensor } : {}) };
  }
}

/** A checkpoint that is missing files, fails its hashes, or does not fit the network. */
export class CheckpointError extends EpochalError {
  readonly type = 'CorruptCheckpoint';

  constructor(
    message: string,
    /** The checkpoint folder. */
    readonly checkpoint: string,
    /** The file at fault, when there is one. */
    readonly file?: string,
  ) {
    super(message);
    this.name = 'CheckpointError';
  }

  details(): { checkpoint: string; file?: string } {
    return { checkpoint: this.checkpoint, ...(this.file ? { file: this.file } : {}) };
  }
}

/**
 * The TensorFlow.js backend a worker was asked for cannot run on this worker
 * (its package is not installed, no hardware GPU adapter). Retryable: another
 * worker may have that backend.
 */
export class BackendUnavailableError extends EpochalError {
  readonly type = 'BackendUnavailable';
  override readonly retryable = true;

  constructor(
    message: string,
    /** The backend asked for, after the worker's `EPOCHAL_BACKEND` override. */
    readonly requested: string,
    /** Each backend tried, why it could not be used, and how to make it usable. */
    readonly attempts: readonly { name: string; reason: string; fix: string }[],
  ) {
    super(message);
    this.name = 'BackendUnavailableError';
  }

  details(): { requested: string; attempts: readonly { name: string; reason: string; fix: string }[] } {
    return { requested: this.requested, attempts: this.attempts };
  }
}

/**
 * A child process that reported no progress for longer than its stall limit
 * (see `src/process/stall.ts`): presumed hung and killed. Retryable: the
 * attempt runs again (a training chunk from its last checkpoint).
 */
export class StalledError extends EpochalError {
  readonly type = 'Stalled';
  override readonly retryable = true;

  constructor(
    /** The work that stalled (`trainChunk`, `evaluate`, `inferShard`, ...). */
    readonly task: string,
    /** The last progress heard, in words (`step 3 (epoch 1)`). */
    readonly after: string,
    readonly silentSeconds: number,
    readonly limit: { seconds: number; setting: string },
  ) {
    super(
      `The ${task} in the training process made no progress for ${silentSeconds.toFixed(1)} s after ${after} ` +
        `(the limit, ${limit.setting}, is ${limit.seconds} s), so the process was killed and the attempt will be retried. ` +
        `Fix: if this work honestly goes that long without progress (a large model's first step, a slow backend), raise ${limit.setting}.`,
    );
    this.name = 'StalledError';
  }

  details(): { task: string; after: string; silentSeconds: number; limitSeconds: number; setting: string } {
    return { task: this.task, after: this.after, silentSeconds: this.silentSeconds, limitSeconds: this.limit.seconds, setting: this.limit.setting };
  }
}

/** Who claimed a folder (see `src/artifacts/folder-claim.ts`). */
export interface FolderOwner {
  workflowId: string;
  firstRunId: string;
  claimedAt?: string;
}

/**
 * A folder that belongs to another workflow, or holds files no Epochal job
 * wrote: it is never written into, so nothing in it is replaced or deleted.
 */
abstract class FolderTakenError extends EpochalError {
  constructor(
    message: string,
    /** The folder. */
    readonly folder: string,
    /** Who owns it, when an Epochal workflow does. */
    readonly owner?: FolderOwner,
  ) {
    super(message);
  }

  details(): { folder: string; owner?: FolderOwner } {
    return { folder: this.folder, ...(this.owner ? { owner: this.owner } : {}) };
  }
}

/** A run folder that belongs to another workflow (or to no Epochal run at all). */
export class RunFolderError extends FolderTakenError {
  readonly type = 'RunFolderTaken';
  override name = 'RunFolderError';
}

/** An inference output folder that another job owns, that holds files no job wrote, or that is a file. */
export class OutputFolderError extends FolderTakenError {
  readonly type = 'OutputFolderTaken';
  override name = 'OutputFolderError';
}

/**
 * A stage that ran out of the memory its worker gives it: what it was asked
 * to do is too big. Non-retryable (another attempt would run out too); the
 * message names the config values that size the work.
 */
export class ResourceLimitError extends EpochalError {
  readonly type = 'OutOfMemory';

  constructor(
    message: string,
    /** The stage's memory limit, in MB. */
    readonly limitMb: number,
    /** The config values that size the work, by JSON path. */
    readonly sizes: Record<string, number>,
  ) {
    super(message);
    this.name = 'ResourceLimitError';
  }

  details(): { limitMb: number; sizes: Record<string, number> } {
    return { limitMb: this.limitMb, sizes: this.sizes };
  }
}

/** The model an inference job names does not exist or is not an Epochal model. */
export class ModelNotFoundError extends EpochalError {
  readonly type = 'ModelNotFound';

  constructor(
    message: string,
    /** The model reference as the job gave it. */
    readonly ref: unknown,
  ) {
    super(message);
    this.name = 'ModelNotFoundError';
  }

  details(): { ref: unknown } {
    return { ref: this.ref };
  }
}

/**
 * A model folder whose files are no longer the ones promoted or planned
 * (edited, replaced, truncated): it is not scored or promoted.
 */
export class ModelChangedError extends EpochalError {
  readonly type = 'ModelChanged';

  constructor(
    message: string,
    /** The model folder. */
    readonly model: string,
    /** The files whose SHA-256 differs from the recorded one (or that are missing or new). */
    readonly changed: readonly string[],
  ) {
    super(message);
    this.name = 'ModelChangedError';
  }

  details(): { model: string; changed: readonly string[] } {
    return { model: this.model, changed: this.changed };
  }
}

/** Data that cannot be used as it is: unreadable, malformed, non-finite, mislabelled or too little. */
export class DataError extends EpochalError {
  readonly type = 'InvalidData';

  constructor(
    message: string,
    /** Where: the file (or dataset origin), and when known the record or row and the field. */
    readonly location: { file: string; record?: number | string; row?: number; field?: string },
  ) {
    super(message);
    this.name = 'DataError';
  }

  details(): { file: string; record?: number | string; row?: number; field?: string } {
    return this.location;
  }
}

/**
 * An Epochal error raised in another process (the training process) and
 * carried over IPC: same type, message, details and retryability.
 */
export class ForwardedError extends EpochalError {
  constructor(
    readonly type: string,
    message: string,
    private readonly forwardedDetails: unknown,
    override readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'ForwardedError';
  }

  details(): unknown {
    return this.forwardedDetails;
  }
}

/** An error as plain data, to send between processes. */
export interface SerializedError {
  message: string;
  stack?: string;
  /** Present for Epochal errors. */
  epochal?: { type: string; details: unknown; retryable: boolean };
}

export function serializeError(error: unknown): SerializedError {
  if (error instanceof EpochalError) {
    return { message: error.message, epochal: { type: error.type, details: error.details(), retryable: error.retryable } };
  }
  return error instanceof Error ? { message: error.message, ...(error.stack ? { stack: error.stack } : {}) } : { message: String(error) };
}

export function deserializeError(serialized: SerializedError): Error {
  if (serialized.epochal) {
    const { type, details, retryable } = serialized.epochal;
    return new ForwardedError(type, serialized.message, details, retryable);
  }
  const error = new Error(serialized.message);
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}

/**
 * A port the dev server was told to use is held by another process, found
 * before the server starts (it would exit, and a client on that port would
 * talk to whoever holds it).
 */
export class PortTakenError extends EpochalError {
  readonly type = 'PortTaken';

  constructor(
    /** Which of the server's ports: the gRPC frontend or the Web UI. */
    readonly role: 'frontend' | 'ui',
    /** The interface the server was to bind. */
    readonly ip: string,
    readonly port: number,
    /** The server version, when a Temporal frontend answers on the port; undefined for any other process. */
    readonly temporalVersion?: string,
  ) {
    const what = role === 'ui' ? `the Temporal dev server's Web UI on port ${port}` : `the Temporal dev server on gRPC port ${port}`;
    super(`Cannot start ${what}: ${describePortHolder(ip, port, temporalVersion)}.`);
    this.name = 'PortTakenError';
  }

  details(): { role: string; ip: string; port: number; temporalVersion?: string } {
    return { role: this.role, ip: this.ip, port: this.port, ...(this.temporalVersion ? { temporalVersion: this.temporalVersion } : {}) };
  }
}

/** Who holds a port, in words: "a Temporal server (1.29.1) already answers on …" or "another process listens on …". */
export function describePortHolder(ip: string, port: number, temporalVersion?: string): string {
  const address = `${ip}:${port}`;
  return temporalVersion ? `a Temporal server (${temporalVersion}) already answers on ${address}` : `another process listens on ${address}`;
}

/**
 * A conditional write to the artifact store that lost: another writer
 * created or changed the object first (see `src/store/store.ts`). Callers
 * that compare and swap read again and retry; elsewhere it means two jobs
 * wrote one thing, which nothing resolves by retrying.
 */
export class StoreConflictError extends EpochalError {
  readonly type = 'ArtifactConflict';

  constructor(
    /** Where the object lives (`s3://bucket/prefix/key` or a path). */
    readonly object: string,
    readonly condition: 'ifNoneMatch' | 'ifMatch',
  ) {
    super(
      condition === 'ifNoneMatch'
        ? `${object} already exists, and it is written once: another job or attempt wrote it first. Nothing was overwritten.`
        : `${object} changed since it was read: another writer updated it first. Nothing was overwritten; read it again and retry.`,
    );
    this.name = 'StoreConflictError';
  }

  details(): { object: string; condition: string } {
    return { object: this.object, condition: this.condition };
  }
}

/**
 * An artifact store this worker cannot use as configured: the bucket does
 * not exist, the credentials are refused, the root is not a folder.
 * Non-retryable: the fix is in the configuration, named in the message.
 */
export class StoreAccessError extends EpochalError {
  readonly type = 'ArtifactStoreUnusable';

  constructor(
    message: string,
    /** The store's root (`s3://bucket/prefix`). */
    readonly root: string,
  ) {
    super(message);
    this.name = 'StoreAccessError';
  }

  details(): { root: string } {
    return { root: this.root };
  }
}
