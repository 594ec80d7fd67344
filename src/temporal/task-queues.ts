/** Whether any worker polls a task queue: so a run is not started, or left waiting, on a queue nobody serves. */
import type { WorkflowClient } from '@temporalio/client';

/** A client (or a workflow handle's client): its service and namespace. */
interface ServiceClient {
  workflowService: WorkflowClient['workflowService'];
  options: { namespace: string };
}
import proto from '@temporalio/proto';

/** How many workers polled `taskQueue` for activities recently (the server keeps the last few minutes). */
export async function activityPollers(client: ServiceClient, taskQueue: string): Promise<number> {
  const response = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return response.pollers?.length ?? 0;
}

/** A warning for a training queue no worker polls, or undefined when one does. */
export async function idleQueueWarning(client: ServiceClient, taskQueue: string, waitSeconds: number): Promise<string | undefined> {
  if ((await activityPollers(client, taskQueue)) > 0) return undefined;
  return (
    `No worker polls the training task queue "${taskQueue}": training will wait for one for ${waitSeconds} s ` +
    `(training.workerWaitSeconds), then fail. Start one with: npx epochal worker --training-task-queue ${taskQueue}`
  );
}
