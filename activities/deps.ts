import type { Roots } from '../src/config/roots.js';
import type { Mirror } from '../src/store/mirror.js';

/** What a worker gives its activities: where artifacts go, how relative config paths resolve, and where it may read and write. */
export interface ActivityDeps {
  /** The folders the worker may read data, configs and models from, and write artifacts and outputs to. */
  roots: Roots;
  /** Default artifact root (`runs/`); a train_params `artifactRoot` overrides it. */
  artifactRoot: string;
  /** Payloads are encrypted (a codec key is configured): config values and metrics stay out of search attributes, which the server stores in plaintext. */
  encrypted?: boolean;
  /** Heap of the process that prepares data, in MB (default: `stageMemoryMb()`). */
  stageMemoryMb?: number;
  /** Folder that relative config paths given to a workflow resolve against. */
  cwd: string;
  /** This worker's copy of the artifacts it uses from object storage (`s3://` artifact roots); without one, such roots are refused. */
  mirror?: Mirror;
}
