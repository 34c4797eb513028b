import type { AppConfig } from "../config/runtime-config.js";
import type { CalcomWriteQueue } from "./calcom-queue.port.js";
import type { KeyWrapper } from "./key-wrapper.port.js";
import type { PaymentsGateway } from "./payments.port.js";
import type { PushSender } from "./push.port.js";
import type { ReminderQueue } from "./reminder-queue.port.js";
import type { BookingCalendarGateway, SchedulingGateway } from "./scheduling.port.js";

/** Everything the services need from the outside world, built once per process. */
export interface Dependencies {
  config: AppConfig;
  scheduling: SchedulingGateway;
  bookingCalendar: BookingCalendarGateway;
  /**
   * Built on first use, and the Stripe SDK loaded only then: a function that never touches
   * Stripe needs no Stripe key and pays nothing for the SDK at cold start.
   */
  payments: () => Promise<PaymentsGateway>;
  /** The email of an Auth user (Cal.com organization users are keyed by email). */
  emailOf: (uid: string) => Promise<string>;
  /** Whether the Auth user has verified their email (organization mode hands a Cal.com user only to a verified one). */
  isEmailVerified: (uid: string) => Promise<boolean>;
  now: () => Date;
  /** Where triggers send their Cal.com writes (the rate-limited task queue). */
  calcomQueue: CalcomWriteQueue;
  /** Push notifications to devices (FCM), built on first use: most functions never push. */
  push: () => Promise<PushSender>;
  /** Where sessions' reminders wait for their time. */
  reminderQueue: ReminderQueue;
  /** Wraps the data keys of coach credentials stored encrypted (Cloud KMS, or the local keyring). */
  keyWrapper: KeyWrapper;
}
