import { getFunctions } from "firebase-admin/functions";
import type { Reminder } from "../../domain/notifications.js";
import { taskId, type CalcomWrite, type CalcomWriteQueue } from "../../ports/calcom-queue.port.js";
import type { ReminderQueue } from "../../ports/reminder-queue.port.js";

export const CALCOM_WRITES_QUEUE = "calcomWrites";
export const REMINDERS_QUEUE = "sendReminder";

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

/** ReminderQueue on Cloud Tasks: each reminder a task of the `sendReminder` function at its time. */
export class CloudTasksReminderQueue implements ReminderQueue {
  async enqueue(reminder: Reminder, options: { id: string; scheduleTime: Date }): Promise<"enqueued" | "duplicate"> {
    try {
      await getFunctions()
        .taskQueue<Reminder>(REMINDERS_QUEUE)
        .enqueue(reminder, { id: taskId(options.id), scheduleTime: options.scheduleTime });
      return "enqueued";
    } catch (err) {
      if (isDuplicate(err)) return "duplicate";
      throw err;
    }
  }
}
