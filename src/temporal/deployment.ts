/**
 * Worker Deployment versioning: every Epochal worker declares the version of
 * the code it runs (deployment `epochal`, build id `<package version>+<commit>`),
 * and Epochal's workflows are AUTO_UPGRADE: a days-long training run moves to
 * the deployment's current version at its next workflow task, so workers of an
 * older release can be stopped while runs are in flight. That makes every
 * release replay-compatible with the histories of the last one: changes to
 * workflow code go behind `patched()` (test/workflows/replay.test.ts replays
 * the previous release's histories). PINNED would keep each run on the code it
 * started with instead, at the price of keeping every old release's workers up
 * until its longest run ends: days, for training.
 *
 * A version becomes current (receives new runs and upgrades running ones) when
 * it is the newest in its deployment: a worker of a version newer than the
 * current one makes it current once it polls; a restarted worker of an older
 * release never takes the deployment back (`promote: 'newest'`, the default).
 * `never` leaves it to the operator (`temporal worker deployment
 * set-current-version`), `always` makes this version current whatever it replaces.
 */
import type { NativeConnection, WorkerDeploymentOptions } from '@temporalio/worker';
import { provenance } from '../package.js';

/** The deployment Epochal's workers join unless told otherwise. */
export const DEFAULT_DEPLOYMENT_NAME = 'epochal';

/** When a worker's version becomes its deployment's current version. */
export const PROMOTION_POLICIES = ['newest', 'always', 'never'] as const;
export type PromotionPolicy = (typeof PROMOTION_POLICIES)[number];

export interface DeploymentOptions {
  /** The Worker Deployment (default `epochal`); one per fleet of workers that run the same workflows. */
  name?: string;
  /** This code's build id (default: `<package version>+<commit>`, `-dirty` when built with uncommitted changes). */
  buildId?: string;
  /** When this version becomes current (default `newest`; see the module comment). */
  promote?: PromotionPolicy;
}

/** The build id of the running Epochal code: its version and the commit it was built from. */
export async function defaultBuildId(): Promise<string> {
  const { version, commit, dirty } = await provenance();
  return commit ? `${version}+${commit.slice(0, 12)}${dirty ? '-dirty' : ''}` : version;
}

/** The SDK's deployment options for a worker of `deployment`: versioned, Epochal's workflows auto-upgrading. */
export async function workerDeployment(deployment: DeploymentOptions = {}): Promise<WorkerDeploymentOptions> {
  const deploymentName = deployment.name ?? DEFAULT_DEPLOYMENT_NAME;
  if (deploymentName.includes('.')) throw new Error(`Expected the deployment name to have no ".", but got "${deploymentName}".`);
  return {
    version: { deploymentName, buildId: deployment.buildId ?? (await defaultBuildId()) },
    useWorkerVersioning: true,
    defaultVersioningBehavior: 'AUTO_UPGRADE',
  };
}

export type Promotion =
  | { outcome: 'current'; changed: boolean }
  | { outcome: 'kept'; current: string; reason: string };

/**
 * Makes `version` its deployment's current version under `policy`, once the server knows it (its first worker
 * polls) and has every task queue the current version serves (a process serving a second queue may start a moment
 * later); waits up to `timeoutMs` for both.
 */
export async function promote(
  connection: NativeConnection,
  namespace: string,
  { version }: WorkerDeploymentOptions,
  policy: PromotionPolicy,
  timeoutMs = 60_000,
): Promise<Promotion> {
  const service = connection.workflowService;
  const deadline = Date.now() + timeoutMs;
  const mine = `${version.deploymentName}.${version.buildId}`;
  for (;;) {
    const described = await service.describeWorkerDeployment({ namespace, deploymentName: version.deploymentName }).catch(() => undefined);
    const info = described?.workerDeploymentInfo;
    const summaries = info?.versionSummaries ?? [];
    const ours = summaries.find((summary) => summary.deploymentVersion?.buildId === version.buildId);
    const current = info?.routingConfig?.currentDeploymentVersion?.buildId;
    if (current === version.buildId) return { outcome: 'current', changed: false };
    if (ours && current && policy === 'newest') {
      const theirs = summaries.find((summary) => summary.deploymentVersion?.buildId === current);
      if (seconds(theirs?.createTime) > seconds(ours.createTime)) {
        return { outcome: 'kept', current: `${version.deploymentName}.${current}`, reason: `it is newer than ${mine}` };
      }
    }
    if (ours && described) {
      try {
        await service.setWorkerDeploymentCurrentVersion({
          namespace,
          deploymentName: version.deploymentName,
          buildId: version.buildId,
          conflictToken: described.conflictToken,
          identity: `epochal promote ${mine}`,
        });
        return { outcome: 'current', changed: true };
      } catch (error) {
        if (Date.now() > deadline) {
          return { outcome: 'kept', current: current ? `${version.deploymentName}.${current}` : 'none', reason: `the server refused ${mine}: ${String(error)}` };
        }
      }
    } else if (Date.now() > deadline) {
      return { outcome: 'kept', current: current ? `${version.deploymentName}.${current}` : 'none', reason: `no worker of ${mine} was seen polling` };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function seconds(time: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return time ? Number(time.seconds ?? 0) + (time.nanos ?? 0) / 1e9 : 0;
}
