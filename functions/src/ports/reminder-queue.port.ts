import type { Reminder } from "../domain/notifications.js";

/** Where a session's reminders wait for their time (the `sendReminder` task queue). */
export interface ReminderQueue {
  /**
   * Schedules one run of `reminder` at `scheduleTime` under the task id `id`: `duplicate` when a
   * task of that id exists or just ran (the queue refuses it), `ran` when carried out at once (tests).
   */
  enqueue(reminder: Reminder, options: { id: string; scheduleTime: Date }): Promise<"enqueued" | "duplicate" | "ran">;
}
