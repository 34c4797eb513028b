import { getFunctions } from "firebase-admin/functions";
import { taskId, type CalcomWrite, type CalcomWriteQueue } from "../../ports/calcom-queue.port.js";

export const CALCOM_WRITES_QUEUE = "calcomWrites";

function isDuplicate(err: unknown): boolean {
  return typeof err === "object" && err !== null && "code" in err && err.code === "functions/task-already-exists";
}

/** CalcomWriteQueue on Cloud Tasks (the Cloud Tasks emulator when CLOUD_TASKS_EMULATOR_HOST is set). */
export class CloudTasksQueue implements CalcomWriteQueue {
  async enqueue(write: CalcomWrite, options: { scheduleTime?: Date } = {}): Promise<"enqueued" | "duplicate"> {
    try {
      await getFunctions()
        .taskQueue<CalcomWrite>(CALCOM_WRITES_QUEUE)
        .enqueue(write, { id: taskId(write.key), ...(options.scheduleTime ? { scheduleTime: options.scheduleTime } : {}) });
      return "enqueued";
    } catch (err) {
      if (isDuplicate(err)) return "duplicate";
      throw err;
    }
  }
}
