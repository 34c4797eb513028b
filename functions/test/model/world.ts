import type Stripe from "stripe";
import { syncAvailability } from "../../src/features/availability/availability.service.js";
import { saveSchedulingLimits } from "../../src/features/limits/limits.service.js";
import { saveOffering } from "../../src/features/offerings/offerings.service.js";
import { syncOfferingEventTypes } from "../../src/core/event-types/event-type-sync.js";
import { handleCalcomWebhook } from "../../src/features/webhooks/calcom-webhook.endpoint.js";
import { startPayoutOnboarding } from "../../src/features/payouts/payouts.service.js";
import { handleStripeWebhook } from "../../src/features/webhooks/stripe-webhook.endpoint.js";
import { calcomSignature } from "../../src/integrations/calcom/calcom-webhook.js";
import { createStripeClient } from "../../src/integrations/stripe/stripe-client.js";
import { stripeTestSignature } from "../../src/integrations/stripe/stripe-webhook.js";
import { StripePaymentsGateway } from "../../src/integrations/stripe/stripe-payments.gateway.js";
import type { Dependencies } from "../../src/ports/dependencies.js";
import { coachDoc } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { FakeCalcom } from "../stand-ins/fake-calcom.server.js";
import { FakeStripe } from "../stand-ins/fake-stripe.server.js";
import type { ModelOffering } from "./reference.js";

/**
 * The world the model-based test drives: both stand-ins and the code under test share one clock
 * the commands move; events of both far ends are held, to be delivered by commands (late, twice,
 * out of order, or never); one coach with four 60-minute offerings at different prices and a
 * Stripe connected account, onboarded or not as each run starts.
 */
export const CALCOM_SECRET = "calcom_model_secret";
export const STRIPE_SECRET = "whsec_model_secret";
export const OFFERINGS = { sixty: 10_000, half: 5_000, dear: 15_000, free: 0 } as const;
export type OfferingId = keyof typeof OFFERINGS;
export const OFFERING_IDS = Object.keys(OFFERINGS) as OfferingId[];
/** Every run starts from these: the four offerings at their prices, in euros, 60 minutes each. */
export function baseOfferings(): Record<OfferingId, ModelOffering> {
  return Object.fromEntries(
    OFFERING_IDS.map((id) => [id, { priceCents: OFFERINGS[id], currency: "eur", lengthMinutes: 60, removed: false }]),
  ) as Record<OfferingId, ModelOffering>;
}
/** Slots of a run's day: 08:00 … 15:00 UTC, an hour each. */
export const SLOT_HOURS = [8, 9, 10, 11, 12, 13, 14, 15];
const DAY_MS = 86_400_000;
const FIRST_DAY = Date.parse("2031-03-03T00:00:00.000Z");

export interface Delivery {
  far: "stripe" | "calcom";
  label: string;
  rawBody: string;
  /** Cal.com signs with the subscriber's secret; Stripe deliveries are signed when sent. */
  secret: string | null;
}

export class World {
  clockMs = FIRST_DAY;
  calcom!: FakeCalcom;
  stripe!: FakeStripe;
  deps!: Dependencies;
  coachId = "";
  /** The coach's Stripe connected account (made once, onboarded or disabled by the commands). */
  accountId = "";
  /** How many `account.updated` events reached the webhook so far (a step that delivered none changed nothing we know of the account). */
  accountUpdatesDelivered = 0;
  /** The day of the last execution (its sessions end by the next midnight). */
  private lastDay = FIRST_DAY;

  async start(): Promise<void> {
    const now = () => this.clockMs;
    this.calcom = await FakeCalcom.start({ now });
    this.stripe = await FakeStripe.start({ now });
    const base = testDependencies(this.calcom, {
      stripe: this.stripe,
      now: () => new Date(this.clockMs),
      calcomWebhookSecret: CALCOM_SECRET,
      stripeWebhookSecret: STRIPE_SECRET,
    });
    // A short Stripe timeout, so that a slow answer is a timeout here as it would be in production.
    const payments = new StripePaymentsGateway(createStripeClient({ secretKey: "sk_test_x", apiBaseUrl: this.stripe.url, timeoutMs: 500 }));
    this.deps = Object.assign(base, { payments: () => Promise.resolve(payments) });
    this.coachId = uniqueId("model-coach");
    const coach = { uid: this.coachId, isAdmin: false };
    await syncAvailability(
      {
        coachId: this.coachId,
        availability: {
          timeZone: "UTC",
          slots: ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((day) => ({
            day: day as "monday",
            startTime: "06:00",
            endTime: "20:00",
          })),
        },
      },
      coach,
      this.deps,
    );
    for (const id of OFFERING_IDS)
      await saveOffering({ offering: { id, title: id, durationMinutes: 60, priceCents: OFFERINGS[id], currency: "eur" } }, coach);
    await syncOfferingEventTypes(this.coachId, this.deps);
    // Deliveries are held for the commands to deliver.
    this.calcom.subscribe("http://127.0.0.1:9/held", CALCOM_SECRET);
    this.calcom.holdWebhooks();
    this.stripe.holdWebhooks();
    this.accountId = (await startPayoutOnboarding(coach, this.deps)).accountId;
  }

  async stop(): Promise<void> {
    await this.calcom.stop();
    await this.stripe.stop();
  }

  /**
   * A new execution (a run, or a replay while shrinking) gets a day of its own, at least two days
   * after the day the clock is on and two days after the last execution's, and a clock 30 hours
   * before its first slot: the clock never goes back (Stripe's events and idempotency keys go by
   * it), and every booking of earlier runs has ended, so nothing they left can collide with this
   * one (nor keep one of its retired event types in use). The last execution's day counts too: a
   * run that barely moved the clock ends on the day before its own, whose sessions are still to
   * come. The coach starts the run able to be paid (onboarded) or not (Stripe wants more and takes
   * no transfer), Stripe's `account.updated` delivered at once.
   */
  async beginExecution(onboarded: boolean): Promise<{ day: number; startMs: number }> {
    const day = Math.max(Math.floor(this.clockMs / DAY_MS) + 2, this.lastDay / DAY_MS + 2) * DAY_MS;
    this.lastDay = day;
    this.clockMs = day + 8 * 3_600_000 - 30 * 3_600_000;
    this.calcom.clearFaults();
    this.stripe.clearFaults();
    await this.resetOfferings();
    this.calcom.takeHeldWebhooks();
    this.stripe.takeHeldWebhooks();
    if (onboarded) this.stripe.completeOnboarding(this.accountId);
    else this.stripe.disablePayouts(this.accountId, "requirements.past_due", { transfers: "inactive" });
    for (const d of this.collect()) await this.deliver(d);
    return { day, startMs: this.clockMs };
  }

  /**
   * The coach's offerings as every run starts: the base four (what an earlier run changed or
   * removed is saved back), event types synced, earlier runs' retired ones deleted (their
   * bookings have all ended).
   */
  private async resetOfferings(): Promise<void> {
    const coach = { uid: this.coachId, isAdmin: false };
    const base = baseOfferings();
    const data = (await coachDoc(this.coachId).get()).data();
    const current = data?.customOfferings ?? [];
    let changed = current.length !== OFFERING_IDS.length;
    if ((data?.schedulingLimits?.bufferBeforeMinutes ?? 0) !== 0 || (data?.schedulingLimits?.bufferAfterMinutes ?? 0) !== 0) {
      await saveSchedulingLimits({ limits: { bufferBeforeMinutes: 0, bufferAfterMinutes: 0 } }, coach);
      changed = true;
    }
    for (const id of OFFERING_IDS) {
      const o = current.find((x) => x.id === id);
      const b = base[id];
      if (
        o &&
        o.priceCents === b.priceCents &&
        o.currency === b.currency &&
        o.durationMinutes === b.lengthMinutes &&
        o.calcomEventTypeId !== null
      )
        continue;
      await saveOffering(
        { offering: { id, title: id, durationMinutes: b.lengthMinutes, priceCents: b.priceCents, currency: b.currency } },
        coach,
      );
      changed = true;
    }
    if (changed || this.calcom.listEventTypes().length !== OFFERING_IDS.length) await syncOfferingEventTypes(this.coachId, this.deps);
  }

  /** The events both far ends have sent since the last call. */
  collect(): Delivery[] {
    const stripe = this.stripe
      .takeHeldWebhooks()
      .map((e): Delivery => ({ far: "stripe", label: e.type, rawBody: e.rawBody, secret: null }));
    const calcom = this.calcom
      .takeHeldWebhooks()
      .map((w): Delivery => ({ far: "calcom", label: w.triggerEvent, rawBody: w.rawBody, secret: w.secret }));
    return [...stripe, ...calcom];
  }

  /** Delivers one event to its webhook through the real signature check; the HTTP status it got. */
  async deliver(d: Delivery): Promise<number> {
    const rawBody = Buffer.from(d.rawBody, "utf8");
    const headers: Record<string, string> =
      d.far === "stripe"
        ? { "stripe-signature": stripeTestSignature(d.rawBody, STRIPE_SECRET) }
        : { "x-cal-signature-256": calcomSignature(d.rawBody, d.secret ?? "") };
    const req = { method: "POST", rawBody, header: (name: string) => headers[name.toLowerCase()] };
    const out =
      d.far === "stripe" ? await handleStripeWebhook(req as never, this.deps) : await handleCalcomWebhook(req as never, this.deps);
    if (d.label === "account.updated" && out.status < 300) this.accountUpdatesDelivered += 1;
    return out.status;
  }

  stripeEventType(d: Delivery): Stripe.Event["type"] | null {
    return d.far === "stripe" ? (d.label as Stripe.Event["type"]) : null;
  }
}
