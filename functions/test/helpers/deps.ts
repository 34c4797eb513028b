import type { AppConfig } from "../../src/config/runtime-config.js";
import { DEFAULT_COMPLETION_GRACE_HOURS, DEFAULT_MAX_UPCOMING_PER_STUDENT } from "../../src/domain/abuse-defaults.js";
import { DEFAULT_REMINDER_OFFSETS_MINUTES } from "../../src/domain/notifications.js";
import { CalcomClient } from "../../src/integrations/calcom/calcom-client.js";
import { createDependencies } from "../../src/composition-root.js";
import type { Dependencies } from "../../src/ports/dependencies.js";
import { createStripeClient } from "../../src/integrations/stripe/stripe-client.js";
import { StripePaymentsGateway } from "../../src/integrations/stripe/stripe-payments.gateway.js";
import { runCalcomWrite } from "../../src/core/effects/calcom-writes.js";
import type { CalcomWriteQueue } from "../../src/ports/calcom-queue.port.js";
import type { PushSender } from "../../src/ports/push.port.js";
import type { ReminderQueue } from "../../src/ports/reminder-queue.port.js";
import type { FakeCalcom } from "../stand-ins/fake-calcom.server.js";
import type { FakeStripe } from "../stand-ins/fake-stripe.server.js";

/** The tests' key-encryption keys of coach credentials: version 1 (a fixed key, as in .secret.local.example). */
export const TEST_KEYRING: ReadonlyMap<number, Buffer> = new Map([[1, Buffer.alloc(32, 1)]]);

const ACCEPTING_PUSH: PushSender = { send: () => Promise.resolve({ kind: "sent", messageId: "test" }) };
const IGNORED_REMINDERS: ReminderQueue = { enqueue: () => Promise.resolve("enqueued") };

/** Dependencies for in-process tests: the real gateway and client, pointed at a stand-in. */
export function testDependencies(
  fake: FakeCalcom,
  overrides: Partial<AppConfig> & {
    emails?: Record<string, string>;
    /** Read emails and their verification from the Auth emulator, as deployed (otherwise every email is verified). */
    authEmulator?: boolean;
    now?: () => Date;
    stripe?: FakeStripe;
    calcomQueue?: CalcomWriteQueue;
    /** Where pushes go (none is sent unless given: a stand-in sender that accepts every token). */
    push?: PushSender;
    /** Where reminders are scheduled (none is run unless given). */
    reminderQueue?: ReminderQueue;
  } = {},
): Dependencies {
  const { emails = {}, authEmulator = false, now, stripe, calcomQueue, push, reminderQueue, ...configOverrides } = overrides;
  const config: AppConfig = {
    calcomApiKey: fake.orgAdminKey,
    calcomWebhookSecret: "calcom_test_secret",
    stripeSecretKey: "sk_test_x",
    stripeWebhookSecret: "whsec_test_x",
    // One secret for both endpoints unless a test sets its own, as `stripe listen` signs both.
    stripeConnectWebhookSecret: configOverrides.stripeWebhookSecret ?? "whsec_test_x",
    calcomOrganizationId: fake.orgId,
    calcomTeamId: fake.teamId,
    calcomApiUrl: fake.url,
    calcomWebhookUrl: null,
    stripeApiBaseUrl: stripe?.url ?? null,
    appUrl: "http://localhost:3000",
    maxUpcomingPerStudent: DEFAULT_MAX_UPCOMING_PER_STUDENT,
    completionGraceHours: DEFAULT_COMPLETION_GRACE_HOURS,
    reminderOffsetsMinutes: [...DEFAULT_REMINDER_OFFSETS_MINUTES],
    fcmApiUrl: null,
    platformFee: { basisPoints: 1_500, fixedCents: {} },
    payoutHoldHours: 48,
    isEmulator: true,
    credentialsKeyring: new Map(TEST_KEYRING),
    credentialsKeyVersion: null,
    credentialsKmsKey: null,
    ...configOverrides,
  };
  // In-process, a queued Cal.com write is carried out at once (the queue itself is tested on the emulator).
  const holder: { deps?: Dependencies } = {};
  const inline: CalcomWriteQueue = {
    async enqueue(write) {
      if (holder.deps) await runCalcomWrite(write, holder.deps);
      return "ran";
    },
  };
  holder.deps = createDependencies(config, {
    calcomQueue: calcomQueue ?? inline,
    push: () => Promise.resolve(push ?? ACCEPTING_PUSH),
    reminderQueue: reminderQueue ?? IGNORED_REMINDERS,
    calcomClient: new CalcomClient({
      baseUrl: fake.url,
      baseDelayMs: 5,
      maxDelayMs: 20,
      timeoutMs: 2_000,
      ...(now ? { now: () => now().getTime() } : {}),
    }),
    ...(authEmulator
      ? {}
      : { emailOf: (uid: string) => Promise.resolve(emails[uid] ?? `${uid}@example.com`), isEmailVerified: () => Promise.resolve(true) }),
    ...(now ? { now } : {}),
    ...(stripe
      ? {
          payments: () =>
            Promise.resolve(new StripePaymentsGateway(createStripeClient({ secretKey: "sk_test_x", apiBaseUrl: stripe.url }))),
        }
      : {}),
  });
  return holder.deps;
}
