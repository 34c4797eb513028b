import { getAuth } from "firebase-admin/auth";
import { getConfig, type AppConfig } from "../config/runtime-config.js";
import { AppError } from "../domain/errors.js";
import { CalcomClient } from "../integrations/calcom/calcom-client.js";
import { CalcomBookingGateway, CalcomSchedulingGateway } from "../integrations/calcom/calcom-scheduling.gateway.js";
import { CloudTasksQueue } from "../integrations/tasks/cloud-tasks.queue.js";
import type { CalcomWriteQueue } from "./calcom-queue.port.js";
import type { PaymentsGateway } from "./payments.port.js";
import type { BookingCalendarGateway, SchedulingGateway } from "./scheduling.port.js";

/** Everything the services need from the outside world, built once per process. */
export interface Dependencies {
  config: AppConfig;
  calcomClient: CalcomClient;
  scheduling: SchedulingGateway;
  bookingCalendar: BookingCalendarGateway;
  /**
   * Built on first use, and the Stripe SDK loaded only then: a function that never touches
   * Stripe needs no Stripe key and pays nothing for the SDK at cold start.
   */
  payments: () => Promise<PaymentsGateway>;
  /** The email of an Auth user (Cal.com organization users are keyed by email). */
  emailOf: (uid: string) => Promise<string>;
  now: () => Date;
  /** Where triggers send their Cal.com writes (the rate-limited task queue). */
  calcomQueue: CalcomWriteQueue;
}

async function authEmail(uid: string): Promise<string> {
  const user = await getAuth().getUser(uid);
  if (!user.email) {
    throw new AppError("request/invalid", "Your account needs an email address before it can be registered with Cal.com.");
  }
  return user.email;
}

export const STRIPE_KEY_MISSING_MESSAGE = "Stripe API key not configured";

function lazyPayments(config: AppConfig): () => Promise<PaymentsGateway> {
  let gateway: PaymentsGateway | undefined;
  return async () => {
    const secretKey = config.stripeSecretKey;
    if (secretKey === null) throw new AppError("config/missing", STRIPE_KEY_MISSING_MESSAGE);
    if (!gateway) {
      const [{ createStripeClient }, { StripePaymentsGateway }] = await Promise.all([
        import("../integrations/stripe/stripe-client.js"),
        import("../integrations/stripe/stripe-payments.gateway.js"),
      ]);
      gateway = new StripePaymentsGateway(createStripeClient({ secretKey, apiBaseUrl: config.stripeApiBaseUrl }));
    }
    return gateway;
  };
}

/** The composition root: a plain factory, overridable piece by piece in tests. */
export function createDependencies(config: AppConfig, overrides: Partial<Omit<Dependencies, "config">> = {}): Dependencies {
  const calcomClient = overrides.calcomClient ?? new CalcomClient({ baseUrl: config.calcomApiUrl });
  return {
    config,
    calcomClient,
    scheduling: overrides.scheduling ?? new CalcomSchedulingGateway(calcomClient),
    bookingCalendar: overrides.bookingCalendar ?? new CalcomBookingGateway(calcomClient),
    payments: overrides.payments ?? lazyPayments(config),
    emailOf: overrides.emailOf ?? authEmail,
    now: overrides.now ?? (() => new Date()),
    calcomQueue: overrides.calcomQueue ?? new CloudTasksQueue(),
  };
}

let deps: Dependencies | undefined;

/** The process-wide dependencies, built from the parameters at first use (never at import). */
export function getDependencies(): Dependencies {
  deps ??= createDependencies(getConfig());
  return deps;
}
