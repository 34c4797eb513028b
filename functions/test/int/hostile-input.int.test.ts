import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { syncAvailability } from "../../src/features/availability/availability.service.js";
import { GetAvailableSlotsInputSchema, SyncAvailabilityInputSchema } from "../../src/features/availability/availability.schemas.js";
import { ConfirmBookingInputSchema, CreateBookingInputSchema } from "../../src/features/bookings/bookings.schemas.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { ConnectCalcomAccountInputSchema } from "../../src/features/calcom-accounts/calcom-accounts.schemas.js";
import { CancelBookingInputSchema, RefundSessionInputSchema } from "../../src/features/cancellations/cancellations.schemas.js";
import {
  GetCoachInputSchema,
  ListCoachesInputSchema,
  SaveCoachProfileInputSchema,
  SetCoachListingInputSchema,
} from "../../src/features/catalog/catalog.schemas.js";
import { SaveSchedulingLimitsInputSchema } from "../../src/features/limits/limits.schemas.js";
import {
  CoachStatementInputSchema,
  PlatformStatementInputSchema,
  QuoteCancellationInputSchema,
  QuoteRescheduleInputSchema,
  SaveCancellationPolicyInputSchema,
} from "../../src/features/money/money.schemas.js";
import { RemoveOfferingInputSchema, SaveOfferingInputSchema } from "../../src/features/offerings/offerings.schemas.js";
import { PersonalDataInputSchema } from "../../src/features/personal-data/personal-data.schemas.js";
import { saveOffering } from "../../src/features/offerings/offerings.service.js";
import { syncOfferingEventTypes } from "../../src/core/event-types/event-type-sync.js";
import { ReconcileBookingInputSchema } from "../../src/features/reconciliation/reconciliation.schemas.js";
import { RescheduleBookingInputSchema } from "../../src/features/reschedules/reschedules.schemas.js";
import { handleCalcomWebhook } from "../../src/features/webhooks/calcom-webhook.endpoint.js";
import {
  CompleteBookingInputSchema,
  MarkNoShowInputSchema,
  ResolveNoShowInputSchema,
} from "../../src/features/attendance/attendance.schemas.js";
import { handleStripeWebhook } from "../../src/features/webhooks/stripe-webhook.endpoint.js";
import { calcomSignature } from "../../src/integrations/calcom/calcom-webhook.js";
import { stripeTestSignature } from "../../src/integrations/stripe/stripe-webhook.js";
import { coachDoc } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import {
  GetNotificationPreferencesInputSchema,
  SetNotificationPreferencesInputSchema,
} from "../../src/features/notifications/notifications.schemas.js";
import {
  PayOutBookingInputSchema,
  SetCoachPlatformFeeInputSchema,
  StartPayoutOnboardingInputSchema,
} from "../../src/features/payouts/payouts.schemas.js";
import { ensureAuthUsers, invoke, useStandInsForDeployedCode, type CallableName, type Caller } from "../helpers/callables.js";
import { testDependencies } from "../helpers/deps.js";
import { clearDatabase, databaseFingerprint } from "../helpers/fingerprint.js";
import { payAndConfirm, useStandIns } from "../helpers/in-process.js";

/**
 * Hostile input, property-based: random and malformed payloads, wrong types, huge strings,
 * far-past and far-future dates, other users' ids, injected field names and replayed
 * signatures. Every callable answers a client error code and never `internal`; both webhooks
 * answer 4xx and never 500; and none of it writes anything.
 */
const RUNS = 200;
const CLIENT_CODES = ["invalid-argument", "permission-denied", "unauthenticated", "failed-precondition", "not-found"];

const SCHEMAS: Record<Exclude<CallableName, "getHealth">, z.ZodType> = {
  connectCalcomAccount: ConnectCalcomAccountInputSchema,
  syncAvailability: SyncAvailabilityInputSchema,
  getAvailableSlots: GetAvailableSlotsInputSchema,
  saveOffering: SaveOfferingInputSchema,
  removeOffering: RemoveOfferingInputSchema,
  saveSchedulingLimits: SaveSchedulingLimitsInputSchema,
  saveCoachProfile: SaveCoachProfileInputSchema,
  setCoachListing: SetCoachListingInputSchema,
  listCoaches: ListCoachesInputSchema,
  getCoach: GetCoachInputSchema,
  createBooking: CreateBookingInputSchema,
  confirmBooking: ConfirmBookingInputSchema,
  cancelBooking: CancelBookingInputSchema,
  refundSession: RefundSessionInputSchema,
  rescheduleBooking: RescheduleBookingInputSchema,
  saveCancellationPolicy: SaveCancellationPolicyInputSchema,
  quoteCancellation: QuoteCancellationInputSchema,
  quoteReschedule: QuoteRescheduleInputSchema,
  coachStatement: CoachStatementInputSchema,
  platformStatement: PlatformStatementInputSchema,
  reconcileBooking: ReconcileBookingInputSchema,
  markNoShow: MarkNoShowInputSchema,
  resolveNoShow: ResolveNoShowInputSchema,
  completeBooking: CompleteBookingInputSchema,
  getNotificationPreferences: GetNotificationPreferencesInputSchema,
  setNotificationPreferences: SetNotificationPreferencesInputSchema,
  startPayoutOnboarding: StartPayoutOnboardingInputSchema,
  payOutBooking: PayOutBookingInputSchema,
  setCoachPlatformFee: SetCoachPlatformFeeInputSchema,
  exportMyData: PersonalDataInputSchema,
  deleteMyAccount: PersonalDataInputSchema,
};

const standIns = useStandIns();
const ids = {
  student: uniqueId("student"),
  otherStudent: uniqueId("student"),
  coach: uniqueId("coach"),
  otherCoach: uniqueId("coach"),
  admin: uniqueId("admin"),
};
const fixture = { bookingId: "", eventTypeId: 0 };

const HUGE = "x".repeat(1_000_000);
const hostileString = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.constantFrom(
    HUGE,
    "",
    " ",
    "\u0000",
    "../../bookings/x",
    "bookings/x/ledger/y",
    "<script>alert(1)</script>",
    "'; DROP TABLE bookings; --",
    "__proto__",
    "${jndi:ldap://x}",
    "🙂".repeat(300),
  ),
);
const hostileDate = fc.constantFrom(
  "0001-01-01T00:00:00Z",
  "1900-01-01T00:00:00.000Z",
  "9999-12-31T23:59:59Z",
  "+275760-09-13T00:00:00.000Z",
  "-000001-01-01T00:00:00Z",
  "2030-02-30T10:00:00Z",
  "2030-01-07T09:00:00",
  "2030-01-07T25:00:00Z",
  "yesterday",
  "2030-01-07",
  "1970-01-01T00:00:00Z",
);
const otherUsersIds = fc.constantFrom(...Object.values(ids), "someone-else", "admin");
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileDate,
  otherUsersIds,
  fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-1, 0, 1e300, -1e300, Number.MAX_SAFE_INTEGER + 2)),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
);
const INJECTED = [
  "__proto__",
  "constructor",
  "prototype",
  "status",
  "paymentStatus",
  "refundedCents",
  "amountCents",
  "isAdmin",
  "admin",
  "userId",
  "coachId",
  "bookingId",
  "$where",
  "a.b",
  "toString",
];

/** A payload shaped like the callable's (its own keys, hostile values, injected keys) or anything at all. */
function hostilePayload(keys: string[]): fc.Arbitrary<unknown> {
  const shaped = fc
    .tuple(fc.subarray(keys), fc.subarray(INJECTED, { maxLength: 3 }))
    .chain(([own, injected]) => fc.tuple(...[...own, ...injected].map((k) => fc.tuple(fc.constant(k), hostileValue))))
    .map((entries) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, configurable: true, writable: true });
      return out;
    });
  return fc.oneof(
    { weight: 3, arbitrary: shaped },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null, "", [], 0, HUGE) },
  );
}

type Wrapped = { shape?: Record<string, unknown>; unwrap?: () => Wrapped };
function keysOf(schema: z.ZodType): string[] {
  // An optional or nullable object (`{ uid }` or nothing) is looked into for its keys.
  let inner = schema as unknown as Wrapped;
  while (!inner.shape && inner.unwrap) inner = inner.unwrap();
  return inner.shape ? Object.keys(inner.shape) : [];
}

const callerArb = fc.constantFrom<Caller | null>(
  null,
  { uid: ids.student },
  { uid: ids.otherStudent },
  { uid: ids.coach },
  { uid: ids.otherCoach },
  { uid: ids.admin, admin: true },
);

describe("hostile input", () => {
  const EVERY_DAY = (["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const).map((day) => ({
    day,
    startTime: "00:00",
    endTime: "23:59",
  }));
  let before: string[] = [];

  beforeAll(async () => {
    await clearDatabase();
    useStandInsForDeployedCode(standIns.calcom, standIns.stripe);
    const deps = testDependencies(standIns.calcom, {
      stripe: standIns.stripe,
      calcomWebhookSecret: "calcom_test_secret",
      stripeWebhookSecret: "whsec_test_x",
    });
    await ensureAuthUsers(Object.values(ids));
    await syncAvailability(
      { coachId: ids.coach, availability: { timeZone: "UTC", slots: EVERY_DAY } },
      { uid: ids.coach, isAdmin: false },
      deps,
    );
    await saveOffering(
      { offering: { id: "sixty", title: "60 min", durationMinutes: 60, priceCents: 5_000, currency: "eur" } },
      { uid: ids.coach, isAdmin: false },
    );
    await syncOfferingEventTypes(ids.coach, deps);
    fixture.eventTypeId = (await coachDoc(ids.coach).get()).data()?.customOfferings[0]?.calcomEventTypeId ?? 0;
    const { bookingId } = await createBooking(
      {
        coachId: ids.coach,
        eventTypeId: fixture.eventTypeId,
        offeringId: "sixty",
        userId: ids.student,
        startTime: "2030-01-08T09:00:00.000Z",
        endTime: "2030-01-08T10:00:00.000Z",
      },
      { uid: ids.student, isAdmin: false },
      deps,
    );
    await payAndConfirm(bookingId, standIns.stripe, deps);
    fixture.bookingId = bookingId;
    before = await databaseFingerprint();
  });

  afterAll(async () => {
    // Nothing any hostile case did was written.
    expect(await databaseFingerprint()).toEqual(before);
  });

  it("getHealth answers anything but nothing or {} with invalid-argument", async () => {
    await fc.assert(
      fc.asyncProperty(hostilePayload([]), callerArb, async (data, caller) => {
        const out = await invoke("getHealth", data, caller);
        const empty =
          data === null || data === undefined || (typeof data === "object" && !Array.isArray(data) && Object.keys(data).length === 0);
        expect(out.ok ? "ok" : out.code).toBe(empty ? "ok" : "invalid-argument");
      }),
      { numRuns: RUNS },
    );
  });

  for (const [name, schema] of Object.entries(SCHEMAS) as [Exclude<CallableName, "getHealth">, z.ZodType][]) {
    it(`${name} answers malformed input with a client error, never internal`, async () => {
      const keys = keysOf(schema);
      await fc.assert(
        fc.asyncProperty(hostilePayload(keys), callerArb, async (data, caller) => {
          fc.pre(!schema.safeParse(data).success);
          const out = await invoke(name, data, caller);
          expect(out.ok, `${name} accepted ${JSON.stringify([data])}`).toBe(false);
          if (!out.ok) expect(CLIENT_CODES, `${name}: ${out.code} ${out.message}`).toContain(out.code);
        }),
        { numRuns: RUNS },
      );
    });
  }

  it("both webhooks answer forged, replayed and malformed deliveries with 4xx, never 500", async () => {
    const bodies = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 200 }),
      fc.constantFrom(
        "",
        "null",
        "[]",
        "{}",
        '{"id":"evt_1","object":"event"}',
        '{"triggerEvent":"BOOKING_CANCELLED"}',
        '{"triggerEvent":"BOOKING_CANCELLED","payload":null}',
        HUGE,
      ),
    );
    // How the delivery is signed: not at all, garbage, another body's signature (a replay), a stale
    // Stripe timestamp, or correctly over this (malformed) body.
    const signing = fc.constantFrom("none", "garbage", "replayed", "stale", "valid-over-malformed");
    const method = fc.constantFrom("POST", "POST", "POST", "GET", "PUT");
    const deps = testDependencies(standIns.calcom, {
      stripe: standIns.stripe,
      calcomWebhookSecret: "calcom_test_secret",
      stripeWebhookSecret: "whsec_test_x",
    });
    const replayedStripe = standIns.stripe.signedEvent(
      "checkout.session.completed",
      { id: "cs_test_x", object: "checkout.session" },
      "whsec_test_x",
    );
    const replayedCalcom = '{"triggerEvent":"BOOKING_CANCELLED","createdAt":"2030-01-01T00:00:00Z","payload":{"uid":"x"}}';
    await fc.assert(
      fc.asyncProperty(bodies, signing, method, async (body, how, verb) => {
        const stripeSig =
          how === "none"
            ? undefined
            : how === "garbage"
              ? "t=1,v1=deadbeef"
              : how === "replayed"
                ? replayedStripe.signature
                : how === "stale"
                  ? stripeTestSignature(body, "whsec_test_x", Math.floor(Date.now() / 1000) - 3_600)
                  : stripeTestSignature(body, "whsec_test_x");
        const calcomSig =
          how === "none"
            ? undefined
            : how === "garbage"
              ? "deadbeef"
              : how === "replayed"
                ? calcomSignature(replayedCalcom, "calcom_test_secret")
                : calcomSignature(body, "calcom_test_secret");
        const request = (sig: string | undefined, header: string) =>
          ({ method: verb, rawBody: Buffer.from(body), header: (n: string) => (n.toLowerCase() === header ? sig : undefined) }) as never;
        const stripeOut = await handleStripeWebhook(request(stripeSig, "stripe-signature"), deps);
        const calcomOut = await handleCalcomWebhook(request(calcomSig, "x-cal-signature-256"), deps);
        for (const out of [stripeOut, calcomOut]) {
          expect(out.status, JSON.stringify(out.body)).toBeGreaterThanOrEqual(400);
          expect(out.status, JSON.stringify(out.body)).toBeLessThan(500);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
