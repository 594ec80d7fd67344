/**
 * How far the long phases of preparing data have come, for a caller to
 * report (the stage process forwards it, the prepareData activity heartbeats
 * it): hashing the input files for the fingerprint, scanning records for
 * their groups, writing records into shards (train statistics are gathered
 * in the same pass), closing each split's shards. Steps that cannot count
 * (opening a source, a dataset's own fingerprint) report nothing.
 */

/** A long phase of preparing data. */
export type PreparePhase = 'fingerprinting' | 'scanning' | 'writing' | 'finishing';

export interface PrepareProgress {
  phase: PreparePhase;
  /** How much of the phase is done, in `unit`s. */
  done: number;
  /** How much there is in all, in `unit`s. */
  total: number;
  /** Bytes hashed (`fingerprinting` of input files), records (hashed, scanned or written), or splits closed (`finishing`). */
  unit: 'bytes' | 'records' | 'splits';
}

/** Receives progress; may be async (a heartbeat, a message to the parent process), and is awaited. */
export type OnPrepareProgress = (progress: PrepareProgress) => void | Promise<void>;
