/** Small types shared by the workflow modules. */
import type { ChunkResult } from '../activities/index.js';

/** A committed checkpoint: its folder, manifest hash, and the optimizer step it was taken at. */
export type CheckpointRefWithStep = ChunkResult['checkpoint'] & { step: number };
