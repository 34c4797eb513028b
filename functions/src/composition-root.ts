import { getAuth } from "firebase-admin/auth";
import { getConfig, type AppConfig } from "./config/runtime-config.js";
import { AppError } from "./domain/errors.js";
import { CalcomClient } from "./integrations/calcom/calcom-client.js";
import { CalcomBookingGateway, CalcomSchedulingGateway } from "./integrations/calcom/calcom-scheduling.gateway.js";
import { CloudTasksQueue, CloudTasksReminderQueue } from "./integrations/tasks/cloud-tasks.queue.js";
import { KmsKeyWrapper } from "./integrations/keys/kms-key-wrapper.js";
import { LocalKeyWrapper } from "./integrations/keys/local-key-wrapper.js";
import type { KeyWrapper } from "./ports/key-wrapper.port.js";
import type { Dependencies } from "./ports/dependencies.js";
import type { PaymentsGateway } from "./ports/payments.port.js";
import type { PushSender } from "./ports/push.port.js";

async function authEmail(uid: string): Promise<string> {
  const user = await getAuth().getUser(uid);
  if (!user.email) {
    throw new AppError("request/invalid", "Your account needs an email address before it can be registered with Cal.com.");
  }
  return user.email;
}

async function authEmailVerified(uid: string): Promise<boolean> {
  return (await getAuth().getUser(uid)).emailVerified;
}

export const STRIPE_KEY_MISSING_MESSAGE = "Stripe API key not configured";

function lazyPayments(config: AppConfig): () => Promise<PaymentsGateway> {
  let gateway: PaymentsGateway | undefined;
  return async () => {
    const secretKey = config.stripeSecretKey;
    if (secretKey === null) throw new AppError("config/missing", STRIPE_KEY_MISSING_MESSAGE);
    if (!gateway) {
      const [{ createStripeClient }, { StripePaymentsGateway }] = await Promise.all([
        import("./integrations/stripe/stripe-client.js"),
        import("./integrations/stripe/stripe-payments.gateway.js"),
      ]);
      gateway = new StripePaymentsGateway(createStripeClient({ secretKey, apiBaseUrl: config.stripeApiBaseUrl }));
    }
    return gateway;
  };
}

/** FCM through firebase-admin, loaded on the first push; under the emulator, the local stand-in FCM_API_URL names. */
function lazyPush(config: AppConfig): () => Promise<PushSender> {
  let sender: PushSender | undefined;
  return async () => {
    if (!sender) {
      const { createFcmPushSender } = await import("./integrations/push/fcm-push.sender.js");
      sender = createFcmPushSender({ projectId: process.env.GCLOUD_PROJECT ?? "", apiUrl: config.fcmApiUrl });
    }
    return sender;
  };
}

/** Cloud KMS when a CryptoKey is named, otherwise the local keyring (its highest version, or the one chosen, wraps). */
function keyWrapperFor(config: AppConfig): KeyWrapper {
  if (config.credentialsKmsKey !== null) return new KmsKeyWrapper(config.credentialsKmsKey);
  const versions = [...config.credentialsKeyring.keys()];
  return new LocalKeyWrapper({ keys: config.credentialsKeyring, current: config.credentialsKeyVersion ?? Math.max(0, ...versions) });
}

/**
 * The composition root: a plain factory, overridable piece by piece in tests (`calcomClient`: the
 * HTTP client the Cal.com gateways share, e.g. with short retries). Imported only by the files
 * that define functions (and tests): the rest of the code sees the ports.
 */
export function createDependencies(
  config: AppConfig,
  overrides: Partial<Omit<Dependencies, "config">> & { calcomClient?: CalcomClient } = {},
): Dependencies {
  const calcomClient = overrides.calcomClient ?? new CalcomClient({ baseUrl: config.calcomApiUrl });
  return {
    config,
    scheduling: overrides.scheduling ?? new CalcomSchedulingGateway(calcomClient),
    bookingCalendar: overrides.bookingCalendar ?? new CalcomBookingGateway(calcomClient),
    payments: overrides.payments ?? lazyPayments(config),
    emailOf: overrides.emailOf ?? authEmail,
    isEmailVerified: overrides.isEmailVerified ?? authEmailVerified,
    now: overrides.now ?? (() => new Date()),
    calcomQueue: overrides.calcomQueue ?? new CloudTasksQueue(),
    push: overrides.push ?? lazyPush(config),
    reminderQueue: overrides.reminderQueue ?? new CloudTasksReminderQueue(),
    keyWrapper: overrides.keyWrapper ?? keyWrapperFor(config),
  };
}

let deps: Dependencies | undefined;

/** The process-wide dependencies, built from the parameters at first use (never at import). */
export function getDependencies(): Dependencies {
  deps ??= createDependencies(getConfig());
  return deps;
}
