/**
 * A training chunk's checkpoints on a worker with a mirror (an `s3://`
 * artifact root): every published checkpoint of the run is brought in before
 * the chunk (resuming may use any of them, and local pruning must see them
 * all), each new one is published as it is written and only then named in a
 * heartbeat, and those the chunk pruned locally are removed from the store.
 */
import { listCheckpoints } from '../src/checkpoint/series.js';
import type { Mirror } from '../src/store/mirror.js';
import { isStoreUrl } from '../src/store/store.js';
import { mapStrings } from './mirrored.js';

export class StoredCheckpoints {
  private known = new Set<string>();
  private publishing: Promise<void> = Promise.resolve();

  constructor(
    private readonly mirror: Mirror,
    private readonly runRoot: string,
    private readonly checkpoints: string,
  ) {}

  /** Fetches every published checkpoint of the run (the mirror fetches each once). */
  async pullAll(): Promise<void> {
    for (const url of await this.mirror.checkpoints(this.reference(this.runRoot))) await this.mirror.pullFolder(url);
    for (const { path } of await listCheckpoints(this.checkpoints)) this.known.add(path);
  }

  reference(path: string): string {
    return this.mirror.url(path) ?? path;
  }

  /** Heartbeat details with local paths as references. */
  shown<T>(details: T): T {
    return mapStrings(details, (value) => this.reference(value));
  }

  /** Heartbeat details (an earlier attempt's, perhaps on another worker) with references as local paths. */
  local<T>(details: T): T {
    return mapStrings(details, (value) => (isStoreUrl(value) ? this.mirror.local(value) : value));
  }

  /** Publishes a new checkpoint, then calls `then` (in order, one at a time); a checkpoint pruned before its turn is passed over. */
  publish(path: string, then: () => void): void {
    this.known.add(path);
    this.publishing = this.publishing.then(async () => {
      const kept = async () => (await listCheckpoints(this.checkpoints)).some((checkpoint) => checkpoint.path === path);
      if (!(await kept())) return;
      try {
        await this.mirror.push(this.reference(path));
      } catch (error) {
        if (await kept()) throw error;
        return; // pruned while it went up: `settle` removes what was sent
      }
      then();
    });
  }

  /** Waits for the publishing to end, then removes from the store the checkpoints the chunk pruned. */
  async settle(): Promise<void> {
    await this.publishing;
    const kept = new Set((await listCheckpoints(this.checkpoints)).map(({ path }) => path));
    for (const path of this.known) if (!kept.has(path)) await this.mirror.removePublished(this.reference(path));
  }
}
