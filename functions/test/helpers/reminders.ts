import type { Reminder } from "../../src/domain/notifications.js";
import type { ReminderQueue } from "../../src/ports/reminder-queue.port.js";

/** A reminder queue that records what is enqueued and refuses an id it has seen (as Cloud Tasks does). */
export function recordingReminderQueue() {
  const tasks: { reminder: Reminder; id: string; scheduleTime: Date }[] = [];
  const queue: ReminderQueue = {
    enqueue(reminder, options) {
      if (tasks.some((t) => t.id === options.id)) return Promise.resolve("duplicate");
      tasks.push({ reminder, ...options });
      return Promise.resolve("enqueued");
    },
  };
  return { tasks, queue };
}
