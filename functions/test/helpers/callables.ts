import { afterEach, beforeAll } from "vitest";
import { getAuth } from "firebase-admin/auth";
import type { HttpsError } from "firebase-functions/v2/https";
import { connectCalcomAccount } from "../../src/features/calcom-accounts/calcom-accounts.callables.js";
import { completeBooking, markNoShow, resolveNoShow } from "../../src/features/attendance/attendance.callables.js";
import { getAvailableSlots, syncAvailability } from "../../src/features/availability/availability.callables.js";
import { confirmBooking, createBooking } from "../../src/features/bookings/bookings.callables.js";
import { cancelBooking, refundSession } from "../../src/features/cancellations/cancellations.callables.js";
import { getCoach, listCoaches, saveCoachProfile, setCoachListing } from "../../src/features/catalog/catalog.callables.js";
import { getHealth } from "../../src/features/health/health.callables.js";
import { saveSchedulingLimits } from "../../src/features/limits/limits.callables.js";
import {
  coachStatement,
  platformStatement,
  quoteCancellation,
  quoteReschedule,
  saveCancellationPolicy,
} from "../../src/features/money/money.callables.js";
import { removeOffering, saveOffering } from "../../src/features/offerings/offerings.callables.js";
import { deleteMyAccount, exportMyData } from "../../src/features/personal-data/personal-data.callables.js";
import { getNotificationPreferences, setNotificationPreferences } from "../../src/features/notifications/notifications.callables.js";
import { payOutBooking, setCoachPlatformFee, startPayoutOnboarding } from "../../src/features/payouts/payouts.callables.js";
import { reconcileBooking } from "../../src/features/reconciliation/reconciliation.callables.js";
import { rescheduleBooking } from "../../src/features/reschedules/reschedules.callables.js";
import type { FakeCalcom } from "../stand-ins/fake-calcom.server.js";
import type { FakeStripe } from "../stand-ins/fake-stripe.server.js";

/** Every callable the backend deploys, as deployed (the onCall wrapper included). */
export const CALLABLES = {
  getHealth,
  connectCalcomAccount,
  syncAvailability,
  getAvailableSlots,
  saveOffering,
  removeOffering,
  saveSchedulingLimits,
  saveCoachProfile,
  setCoachListing,
  listCoaches,
  getCoach,
  createBooking,
  confirmBooking,
  cancelBooking,
  refundSession,
  rescheduleBooking,
  saveCancellationPolicy,
  quoteCancellation,
  quoteReschedule,
  coachStatement,
  platformStatement,
  markNoShow,
  resolveNoShow,
  completeBooking,
  reconcileBooking,
  getNotificationPreferences,
  setNotificationPreferences,
  startPayoutOnboarding,
  payOutBooking,
  setCoachPlatformFee,
  exportMyData,
  // Last: the authorization matrix runs in this order, and a deletion ends the student's account.
  deleteMyAccount,
} as const;
export type CallableName = keyof typeof CALLABLES;

export interface Caller {
  uid: string;
  admin?: boolean;
}

export type CallOutcome = { ok: true; value: unknown } | { ok: false; code: string; message: string };

/** What the platform verified of a call's App Check token (absent: none was sent, or it was invalid). */
export interface AppCheckSeen {
  appId: string;
  alreadyConsumed?: boolean;
}

/** Runs a callable in-process as the platform would, with `caller`'s verified token (or none). */
export async function invoke(
  name: CallableName,
  data: unknown,
  caller: Caller | null,
  options: { app?: AppCheckSeen; ip?: string } = {},
): Promise<CallOutcome> {
  const fn = CALLABLES[name] as unknown as { run(request: unknown): Promise<unknown> };
  const auth = caller ? { uid: caller.uid, token: { uid: caller.uid, admin: caller.admin === true } } : undefined;
  const app = options.app ? { token: { app_id: options.app.appId }, ...options.app } : undefined;
  try {
    return { ok: true, value: await fn.run({ data, auth, app, rawRequest: { headers: {}, ip: options.ip } }) };
  } catch (err) {
    const e = err as HttpsError;
    return { ok: false, code: typeof e.code === "string" ? e.code : "not-an-HttpsError", message: e.message };
  }
}

/**
 * Points the process-wide dependencies (what a deployed callable uses) at the stand-ins through
 * the parameters' environment variables. Call before the first callable runs in this file.
 */
export function useStandInsForDeployedCode(calcom: FakeCalcom, stripe: FakeStripe): void {
  Object.assign(process.env, {
    CALCOM_API_URL: calcom.url,
    CALCOM_API_KEY: calcom.orgAdminKey,
    CALCOM_ORGANIZATION_ID: String(calcom.orgId),
    CALCOM_TEAM_ID: String(calcom.teamId),
    CALCOM_WEBHOOK_SECRET: "calcom_test_secret",
    CREDENTIALS_KEYRING: `1:${Buffer.alloc(32, 1).toString("base64")}`,
    STRIPE_SECRET_KEY: "sk_test_x",
    STRIPE_WEBHOOK_SECRET: "whsec_test_x",
    STRIPE_API_BASE_URL: stripe.url,
    APP_URL: "http://localhost:3000",
    // Suites that call many times as one account are not about the call budget (abuse-limits is).
    RATE_LIMIT_CALLS_PER_MINUTE: "100000",
    RATE_LIMIT_BURST: "100000",
  });
}

/**
 * `useStandInsForDeployedCode` before the file's tests, and the guards a test may turn on (App
 * Check, the call budget) put back after each: every test starts with the deployed defaults of
 * the suite (App Check off, a generous budget).
 */
export function useDeployedCodeWithGuardsReset(standIns: { calcom: FakeCalcom; stripe: FakeStripe }): void {
  let saved: Record<string, string> = {};
  beforeAll(() => {
    useStandInsForDeployedCode(standIns.calcom, standIns.stripe);
    saved = {
      APP_CHECK_ENFORCED: "false",
      RATE_LIMIT_CALLS_PER_MINUTE: process.env.RATE_LIMIT_CALLS_PER_MINUTE ?? "",
      RATE_LIMIT_BURST: process.env.RATE_LIMIT_BURST ?? "",
    };
  });
  afterEach(() => {
    Object.assign(process.env, saved);
  });
}

/** Auth users for the given uids, emails verified (the deployed code reads a student's email from Auth, and a coach's first sync needs it verified). */
export async function ensureAuthUsers(uids: string[]): Promise<void> {
  for (const uid of uids) {
    await getAuth()
      .createUser({ uid, email: `${uid.toLowerCase()}@example.com`, emailVerified: true })
      .catch(async (err: unknown) => {
        if ((err as { code?: string }).code !== "auth/uid-already-exists") throw err;
        await getAuth().updateUser(uid, { emailVerified: true });
      });
  }
}
