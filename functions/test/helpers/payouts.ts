import { expect } from "vitest";
import { completeSession } from "../../src/core/effects/attendance.js";
import { runPayouts, type PayoutRun } from "../../src/core/effects/payouts.js";
import { startPayoutOnboarding } from "../../src/features/payouts/payouts.service.js";
import { handleStripeWebhook } from "../../src/features/webhooks/stripe-webhook.endpoint.js";
import { stripeTestSignature } from "../../src/integrations/stripe/stripe-webhook.js";
import type { Dependencies } from "../../src/ports/dependencies.js";
import type { PaymentsGateway } from "../../src/ports/payments.port.js";
import type { FakeStripe } from "../stand-ins/fake-stripe.server.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { payAndConfirm, storedBooking, type ConfirmedBooking } from "./in-process.js";

export const HOUR = 3_600_000;
/** The webhook secret testDependencies() configures. */
const SECRET = "whsec_test_x";

/** Delivers the events the stand-in held, signed, through the real webhook handler. */
export async function deliverHeld(stripe: FakeStripe, deps: Dependencies): Promise<void> {
  for (const e of stripe.takeHeldWebhooks()) {
    const out = await handleStripeWebhook(
      {
        method: "POST",
        rawBody: Buffer.from(e.rawBody),
        header: (n: string) => (n.toLowerCase() === "stripe-signature" ? stripeTestSignature(e.rawBody, SECRET) : undefined),
      } as never,
      deps,
    );
    expect(out.status).toBe(200);
  }
}

/** The coach of a confirmed booking onboards: the account link's page in the stand-in, then Stripe's account.updated. */
export async function onboard(stripe: FakeStripe, s: ConfirmedBooking): Promise<string> {
  const started = await startPayoutOnboarding(s.coach, s.deps);
  expect(started.url).toContain(started.accountId);
  stripe.holdWebhooks();
  stripe.completeOnboarding(started.accountId);
  await deliverHeld(stripe, s.deps);
  return started.accountId;
}

/** Completes a booking's session a day after its end and moves the clock past its hold (48 h). */
export async function completedPastHold(s: ConfirmedBooking): Promise<void> {
  const end = Date.parse((await storedBooking(s.bookingId)).endTime);
  s.clock.now = new Date(end + 25 * HOUR);
  expect(await completeSession(s.bookingId, s.deps)).toBe("completed");
  s.clock.now = new Date(end + 25 * HOUR + 48 * HOUR);
}

/** The transfers the stand-in made for a booking (its transfer group). */
export function transfersOf(stripe: FakeStripe, bookingId: string) {
  return [...stripe.transfers.values()].filter((t) => t.transfer_group === bookingId);
}

/** The booking's session completes (after its grace period) and is paid out once its hold is over; the clock is left there. */
export async function completeAndPayOut(s: ConfirmedBooking): Promise<PayoutRun> {
  await completedPastHold(s);
  return runPayouts(s.bookingId, s.deps);
}

/** Another 60-minute `sixty` session of the same coach and student at `startTime`, booked and paid now (Stripe's clock is the real one). */
export async function nextSession(stripe: FakeStripe, s: ConfirmedBooking, startTime: string): Promise<string> {
  s.clock.now = new Date();
  const { bookingId } = await createBooking(
    {
      coachId: s.coachId,
      eventTypeId: s.eventTypeId,
      offeringId: "sixty",
      userId: s.studentId,
      startTime,
      endTime: new Date(Date.parse(startTime) + HOUR).toISOString(),
    },
    s.student,
    s.deps,
  );
  await payAndConfirm(bookingId, stripe, s.deps);
  return bookingId;
}

/** The booking's dependencies with a Stripe gateway whose function instance dies once Stripe has made a transfer, before its answer is used. */
export async function dyingAfterTransfer(deps: Dependencies): Promise<Dependencies> {
  const real = await deps.payments();
  const dying = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop !== "createTransfer") return Reflect.get(target, prop, receiver) as unknown;
      return async (input: Parameters<PaymentsGateway["createTransfer"]>[0]) => {
        await target.createTransfer(input);
        throw new Error("the function instance died");
      };
    },
  });
  return { ...deps, payments: () => Promise.resolve(dying) };
}
