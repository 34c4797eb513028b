import { call, caughtEmailsOf, payWithStandIn, readDoc, signIn, signInAsAdmin, type Endpoints, type User } from "./demo-client.js";

export const DEMO_COACH_EMAIL = "coach@demo.coachify.test";
export const DEMO_STUDENT_EMAIL = "student@demo.coachify.test";
export const DEMO_ADMIN_EMAIL = "admin@demo.coachify.test";
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

const EVERY_DAY = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].map((day) => ({
  day,
  startTime: "00:00",
  endTime: "23:59",
}));
export const DEMO_OFFERINGS = [
  { id: "thirty", title: "30 min check-in", durationMinutes: 30, priceCents: 3_500, currency: "eur" },
  { id: "sixty", title: "60 min session", durationMinutes: 60, priceCents: 6_000, currency: "eur" },
  { id: "deep-dive", title: "Deep dive (custom, 90 min)", durationMinutes: 90, priceCents: 12_000, currency: "eur" },
];

type Log = (line: string) => void;
const HOUR = 3_600_000;

class DemoFailure extends Error {}
function check(condition: boolean, what: string): void {
  if (!condition) throw new DemoFailure(what);
}

async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, log: Log, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let dots = 0;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      if (dots > 0) log("");
      return value;
    }
    if (Date.now() > deadline) throw new DemoFailure(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    if (dots === 0) log(`   … waiting for ${what}`);
    dots += 1;
    await new Promise((r) => setTimeout(r, 500));
  }
}

interface Offering {
  id: string;
  calcomEventTypeId: number | null;
}

/** The demo coach (availability every day, three offerings) and student, as the run command seeds them. */
export async function seedDemo(
  e: Endpoints,
  log: Log = console.log,
): Promise<{ coach: User; student: User; eventTypes: Record<string, number> }> {
  const coach = await signIn(e, DEMO_COACH_EMAIL);
  const student = await signIn(e, DEMO_STUDENT_EMAIL);
  const synced = await call<{ mode: string; provisioned: boolean; calcomUserId: number }>(
    e,
    "syncAvailability",
    { coachId: coach.uid, availability: { timeZone: "UTC", slots: EVERY_DAY } },
    coach,
  );
  log(`1. The coach syncs their availability: Cal.com user ${synced.calcomUserId} (${synced.mode} mode), every day 00:00-23:59 UTC.`);
  for (const offering of DEMO_OFFERINGS) await call(e, "saveOffering", { offering }, coach);
  const offerings = await waitUntil(
    "the offerings' Cal.com event types",
    async () => {
      const doc = await readDoc(e, `coaches/${coach.uid}`, coach);
      const list = (doc?.customOfferings ?? []) as Offering[];
      return list.length >= DEMO_OFFERINGS.length && list.every((o) => o.calcomEventTypeId !== null) ? list : undefined;
    },
    log,
  );
  const eventTypes = Object.fromEntries(offerings.map((o) => [o.id, o.calcomEventTypeId ?? 0]));
  log(`2. Offerings became Cal.com event types: ${DEMO_OFFERINGS.map((o) => `${o.id} → ${eventTypes[o.id]}`).join(", ")}.`);
  await call(e, "saveCoachProfile", DEMO_PROFILE, coach);
  log(
    `   The coach publishes their profile: "${DEMO_PROFILE.headline}" (${DEMO_PROFILE.specialties.join(", ")}, in ${DEMO_PROFILE.languages.join(", ")}).`,
  );
  return { coach, student, eventTypes };
}

const DEMO_PROFILE = {
  displayName: "Demo Coach",
  headline: "Career coaching for engineers",
  bio: "Twenty years of hiring and growing engineering teams.",
  photoUrl: null,
  languages: ["en"],
  specialties: ["career"],
  published: true,
};

interface CatalogEntry {
  coachId: string;
  displayName: string | null;
  headline: string;
  offerings: {
    offeringId: string;
    title: string;
    priceCents: number;
    currency: string;
    eventTypeId: number;
    cancellationPolicy: { summary: string };
  }[];
}

/** What a student's app does first: find a coach in the public catalog (no private document read). */
async function findInCatalog(e: Endpoints, student: User, coachId: string, log: Log): Promise<CatalogEntry> {
  const listed = await waitUntil(
    "the coach in the catalog",
    async () => {
      const page = await call<{ coaches: CatalogEntry[] }>(
        e,
        "listCoaches",
        { specialty: "career", language: "en", currency: "eur", maxPriceCents: 5_000, pageSize: 50 },
        student,
      );
      return page.coaches.find((c) => c.coachId === coachId);
    },
    log,
  );
  const coach = await call<CatalogEntry>(e, "getCoach", { coachId }, student);
  log(
    `3. The student finds "${listed.headline}" in the catalog (career, English, EUR, up to 50.00): ${coach.offerings
      .map((o) => `${o.title} ${(o.priceCents / 100).toFixed(2)} ${o.currency.toUpperCase()}`)
      .join(", ")}; "${coach.offerings[0]?.cancellationPolicy.summary ?? ""}"`,
  );
  return coach;
}

interface Slots {
  source: string;
  slots: { start: string; end: string }[];
}
interface BookingDoc {
  status: string;
  paymentStatus: string;
  amountCents: number;
  refundedCents: number;
  offeringId: string;
  startTime: string;
  stripeCheckoutSessionId: string | null;
  reschedule: { checkoutSessionId: string | null } | null;
  calcomBookingUid: string | null;
}

export interface DemoResult {
  ok: boolean;
  error?: string;
  states: { step: string; status: string; paymentStatus: string }[];
  money: { capturedCents: number; refundedCents: number; currency: string };
  /** Where the story's emails can be read, and how many of them carried the booking's calendar file. */
  mail: { viewer: string; withCalendarFile: number };
  /** The paid session that ended: what its coach was transferred, and what was taken back when they refunded it. */
  payout: { feeCents: number; transferredCents: number; reversedCents: number };
}

/**
 * The whole story through the public callables, as a client app would tell it: sync → event
 * types → slots → book → pay → confirmed → move to a dearer offering and pay the difference →
 * cancel about 23 h before → 50 % back. Returns what happened; `ok` false names the first step
 * that did not behave as described.
 */
export async function runDemo(e: Endpoints, log: Log = console.log): Promise<DemoResult> {
  const states: DemoResult["states"] = [];
  const money = { capturedCents: 0, refundedCents: 0, currency: "eur" };
  const mail = { viewer: e.mailViewer, withCalendarFile: 0 };
  const payout = { feeCents: 0, transferredCents: 0, reversedCents: 0 };
  try {
    const { student } = await seedDemo(e, log);
    const coachId = (await signIn(e, DEMO_COACH_EMAIL)).uid;
    // Everything the student books with comes from the catalog.
    const listing = await findInCatalog(e, student, coachId, log);
    const eventTypes = Object.fromEntries(listing.offerings.map((o) => [o.offeringId, o.eventTypeId]));
    const bookingOf = async (id: string) => (await readDoc(e, `bookings/${id}`, student)) as unknown as BookingDoc;
    const record = async (step: string, id: string) => {
      const b = await bookingOf(id);
      states.push({ step, status: b.status, paymentStatus: b.paymentStatus });
      return b;
    };
    const now = Date.now();
    const day = (offset: number) => new Date(now + offset * 24 * HOUR).toISOString().slice(0, 10);
    const slotsOf = (offering: string) =>
      call<Slots>(
        e,
        "getAvailableSlots",
        { coachId, eventTypeId: eventTypes[offering], dateFrom: day(0), dateTo: day(2), timeZone: "UTC" },
        student,
      );

    const thirty = await slotsOf("thirty");
    log(`4. The student lists the coach's free 30-minute slots: ${thirty.slots.length} over three days (source: ${thirty.source}).`);
    const first = thirty.slots.find((s) => Date.parse(s.start) >= now + 26 * HOUR);
    check(first !== undefined, "a free 30-minute slot about 26 h ahead");
    if (!first) throw new DemoFailure("unreachable");
    const created = await call<{ bookingId: string; checkoutUrl: string }>(
      e,
      "createBooking",
      { coachId, eventTypeId: eventTypes.thirty, offeringId: "thirty", userId: student.uid, startTime: first.start, endTime: first.end },
      student,
    );
    const id = created.bookingId;
    const held = await record("booked (held, Checkout open)", id);
    check(held.status === "requested" && held.paymentStatus === "pending", "a new booking is an unpaid hold");
    log(`5. Booked ${first.start} (30 min): booking ${id}, pending in Cal.com; pay at ${created.checkoutUrl}`);

    await payWithStandIn(e, held.stripeCheckoutSessionId ?? "");
    money.capturedCents += 3_500;
    log("6. The student pays 35.00 EUR (the Stripe stand-in); Stripe's signed webhook reaches stripeWebhook.");
    await waitUntil(
      "the booking to be confirmed in Cal.com",
      async () => ((await bookingOf(id)).status === "confirmed" ? true : undefined),
      log,
    );
    await record("paid and confirmed", id);
    log("7. Confirmed: on the coach's Cal.com calendar.");

    const sixty = await slotsOf("sixty");
    const target = sixty.slots.find((s) => Date.parse(s.start) >= now + 22 * HOUR && Date.parse(s.start) < now + 24 * HOUR - 5 * 60_000);
    check(target !== undefined, "a free 60-minute slot 22-24 h ahead");
    if (!target) throw new DemoFailure("unreachable");
    const quote = await call<{ differenceCents: number }>(
      e,
      "quoteReschedule",
      { bookingId: id, newStartTime: target.start, newEndTime: target.end, newOfferingId: "sixty" },
      student,
    );
    check(quote.differenceCents === 2_500, `the move to 60 min costs 25.00 more (quoted ${quote.differenceCents})`);
    const moving = await call<{ status: string; checkoutUrl: string | null }>(
      e,
      "rescheduleBooking",
      {
        bookingId: id,
        newStartTime: target.start,
        newEndTime: target.end,
        newOfferingId: "sixty",
        expectedDifferenceCents: quote.differenceCents,
      },
      student,
    );
    check(moving.status === "awaiting-payment", `a dearer move waits for the difference (got ${moving.status})`);
    log(`8. The student moves to the 60-minute offering at ${target.start}: 25.00 EUR to pay first.`);
    const waiting = await bookingOf(id);
    await payWithStandIn(e, waiting.reschedule?.checkoutSessionId ?? "");
    money.capturedCents += 2_500;
    const moved = await waitUntil(
      "the move to complete in Cal.com",
      async () => {
        const b = await bookingOf(id);
        return b.offeringId === "sixty" && b.reschedule === null ? b : undefined;
      },
      log,
    );
    await record("moved to the dearer offering", id);
    check(
      moved.status === "confirmed" && Date.parse(moved.startTime) === Date.parse(target.start) && moved.amountCents === 6_000,
      `the moved booking is confirmed at the new time for 60.00 (got ${moved.status} at ${moved.startTime}, ${moved.amountCents})`,
    );
    log(`9. Paid; the move is done: ${moved.startTime}, new Cal.com booking ${moved.calcomBookingUid ?? "?"}.`);

    const hoursBefore = (Date.parse(moved.startTime) - Date.now()) / HOUR;
    const refundQuote = await call<{ refundCents: number; tier: string; validUntil: string | null }>(
      e,
      "quoteCancellation",
      { bookingId: id },
      student,
    );
    check(
      refundQuote.refundCents === 3_000 && refundQuote.tier === "notice-2h",
      `cancelling ${hoursBefore.toFixed(1)} h before refunds 50 % (quoted ${refundQuote.refundCents}, ${refundQuote.tier})`,
    );
    const cancelled = await call<{ refundCents: number }>(
      e,
      "cancelBooking",
      { bookingId: id, reason: "Demo: plans changed", expectedRefundCents: refundQuote.refundCents },
      student,
    );
    log(
      `10. The student cancels ${hoursBefore.toFixed(1)} h before the start: the policy gives 50 %, ${(cancelled.refundCents / 100).toFixed(2)} EUR.`,
    );
    const refunded = await waitUntil(
      "the refund",
      async () => {
        const b = await bookingOf(id);
        return b.paymentStatus === "refunded" ? b : undefined;
      },
      log,
    );
    money.refundedCents = refunded.refundedCents;
    await record("cancelled and refunded", id);
    check(refunded.refundedCents === 3_000, `3000 refunded (got ${refunded.refundedCents})`);
    log("11. Refunded through Stripe; the Cal.com booking is cancelled.");
    const emails = await waitUntil(
      "both sides' emails of the booking, the move and the cancellation in the local mail catcher",
      async () => {
        const caught = await caughtEmailsOf(e, id);
        return caught.length >= 6 ? caught : undefined;
      },
      log,
    );
    mail.withCalendarFile = emails.length;
    check(emails.length === 6, `one email per side for the booking, the move and the cancellation (got ${emails.length})`);
    log(`12. Each side was emailed the booking, the move and the cancellation, each with its calendar file: read them at ${e.mailViewer}`);
    for (const m of emails) log(`      to ${m.to.join(", ")}: ${m.subject}`);
    await sessionThatEnds(e, { coachId, student, log, record, payout });
    return { ok: true, states, money, mail, payout };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log(`✗ the demo stopped: ${message}`);
    return { ok: false, error: message, states, money, mail, payout };
  }
}

/** The part of a booking's payout record the demo reads. */
interface PayoutDoc {
  feeCents: number;
  transfers: { transferId: string; amountCents: number; reversedCents: number }[];
}

/**
 * The coach sets up payouts: startPayoutOnboarding's link opens the stand-in's onboarding page
 * (real Stripe: the coach fills in Stripe's forms), Stripe's account.updated reaches stripeWebhook.
 */
async function coachOnboards(e: Endpoints, coach: User, log: Log): Promise<void> {
  const started = await call<{ accountId: string; url: string }>(e, "startPayoutOnboarding", {}, coach);
  const page = await fetch(started.url, { redirect: "manual" });
  check(page.status === 302, `the stand-in's onboarding page sends the coach back (got ${page.status})`);
  await waitUntil(
    "Stripe's account.updated to enable the coach's payouts",
    async () => {
      const doc = await readDoc(e, `coaches/${coach.uid}`, coach);
      const account = doc?.payoutAccount as { payoutsEnabled?: boolean } | undefined;
      return account?.payoutsEnabled === true ? true : undefined;
    },
    log,
  );
  log(`13. The coach sets up payouts: Stripe Express account ${started.accountId}, onboarded; Stripe's account.updated enabled payouts.`);
}

/**
 * A session that takes place, ends and is paid out: the coach onboards, opens a window that starts
 * in a minute or two with no notice and a 10.00 EUR 5-minute check-in; the student books and pays
 * its first slot; the session starts; an admin completes it without waiting for the grace period
 * and pays the coach out (the local run's hold is 0 h); then the coach refunds it, which reverses
 * their transfer.
 */
async function sessionThatEnds(
  e: Endpoints,
  ctx: {
    coachId: string;
    student: User;
    log: Log;
    record: (step: string, id: string) => Promise<BookingDoc>;
    payout: DemoResult["payout"];
  },
): Promise<void> {
  const { coachId, student, log, record } = ctx;
  const coach = await signIn(e, DEMO_COACH_EMAIL);
  await coachOnboards(e, coach, log);
  // A window from the next whole minute (plus one), in UTC, on today's weekday.
  const opens = new Date(Math.ceil((Date.now() + 60_000) / 60_000) * 60_000);
  const closes = new Date(
    Math.min(opens.getTime() + HOUR, Date.UTC(opens.getUTCFullYear(), opens.getUTCMonth(), opens.getUTCDate(), 23, 59)),
  );
  const hhmm = (d: Date) => d.toISOString().slice(11, 16);
  const weekday = WEEKDAYS[(opens.getUTCDay() + 6) % 7] ?? "monday";
  await call(
    e,
    "syncAvailability",
    { coachId, availability: { timeZone: "UTC", slots: [{ day: weekday, startTime: hhmm(opens), endTime: hhmm(closes) }] } },
    coach,
  );
  await call(e, "saveSchedulingLimits", { limits: { minimumNoticeMinutes: 0, slotIntervalMinutes: 5 } }, coach);
  await call(
    e,
    "saveOffering",
    { offering: { id: "check-in", title: "5 min check-in", durationMinutes: 5, priceCents: 1_000, currency: "eur" } },
    coach,
  );
  const eventTypeId = await waitUntil(
    "the check-in's Cal.com event type",
    async () => {
      const doc = await readDoc(e, `coaches/${coach.uid}`, coach);
      const o = ((doc?.customOfferings ?? []) as Offering[]).find((x) => x.id === "check-in");
      return o?.calcomEventTypeId ?? undefined;
    },
    ctx.log,
  );
  const today = opens.toISOString().slice(0, 10);
  const slots = await call<Slots>(
    e,
    "getAvailableSlots",
    { coachId, eventTypeId, dateFrom: today, dateTo: today, timeZone: "UTC" },
    student,
  );
  const first = slots.slots[0];
  check(first !== undefined, `a free 5-minute slot from ${opens.toISOString()}`);
  if (!first) throw new DemoFailure("unreachable");
  const { bookingId } = await call<{ bookingId: string }>(
    e,
    "createBooking",
    { coachId, eventTypeId, offeringId: "check-in", userId: student.uid, startTime: first.start, endTime: first.end },
    student,
  );
  const held = (await readDoc(e, `bookings/${bookingId}`, student)) as unknown as BookingDoc;
  await payWithStandIn(e, held.stripeCheckoutSessionId ?? "");
  await waitUntil(
    "the check-in to be confirmed",
    async () => ((await readDoc(e, `bookings/${bookingId}`, student))?.status === "confirmed" ? true : undefined),
    log,
  );
  await record("check-in paid and confirmed", bookingId);
  log(`14. The student books and pays a 10.00 EUR 5-minute check-in at ${first.start}; it is confirmed.`);
  await waitUntil(
    `the check-in to start (${first.start})`,
    () => Promise.resolve(Date.now() >= Date.parse(first.start) + 1_000 ? true : undefined),
    log,
    5 * 60_000,
  );
  const admin = await signInAsAdmin(e, DEMO_ADMIN_EMAIL);
  const done = await call<{ status: string; outcome: string }>(e, "completeBooking", { bookingId }, admin);
  check(done.status === "completed" && done.outcome === "attended", `the admin completes it (got ${done.status}, ${done.outcome})`);
  await record("session completed", bookingId);
  log("15. The session has started; an admin completes it early (otherwise completeSessions does, 24 h after its end).");

  // The booking trigger pays out at settlement when nothing holds it back (the local hold is 0 h);
  // payOutBooking is what an admin calls to pay now, and does nothing twice.
  const paid = await call<{ transferred: number; heldBy: string | null }>(e, "payOutBooking", { bookingId }, admin);
  check(
    paid.heldBy === null,
    `nothing holds the payout back (held by ${paid.heldBy ?? "nothing"}; PAYOUT_HOLD_HOURS is 0 in the local run)`,
  );
  const payoutOf = async () => (await readDoc(e, `bookings/${bookingId}`, admin))?.payout as PayoutDoc | null | undefined;
  const afterPayout = await waitUntil(
    "the coach's transfer",
    async () => {
      const p = await payoutOf();
      return p && p.transfers.reduce((sum, t) => sum + t.amountCents, 0) > 0 ? p : undefined;
    },
    log,
  );
  ctx.payout.feeCents = afterPayout.feeCents;
  ctx.payout.transferredCents = afterPayout.transfers.reduce((sum, t) => sum + t.amountCents, 0);
  check(
    ctx.payout.transferredCents === 850 && ctx.payout.feeCents === 150,
    `the coach is transferred 8.50 of 10.00 at a 15 % fee, the platform keeps 1.50 (got ${ctx.payout.transferredCents}, fee ${ctx.payout.feeCents})`,
  );
  log(
    "16. The session is paid out (payOutSessions after the hold, or an admin's payOutBooking now): 8.50 EUR to the coach's Stripe account, the charge as source; the platform keeps 1.50.",
  );

  await call(e, "refundSession", { bookingId, reason: "Demo: the call kept dropping" }, coach);
  const reversed = await waitUntil(
    "the refund and the reversal of the coach's transfer",
    async () => {
      const b = (await readDoc(e, `bookings/${bookingId}`, admin)) as (BookingDoc & { payout?: PayoutDoc }) | null;
      const back = (b?.payout?.transfers ?? []).reduce((sum, t) => sum + t.reversedCents, 0);
      return b?.paymentStatus === "refunded" && back === 850 ? b : undefined;
    },
    log,
  );
  ctx.payout.reversedCents = 850;
  await record("refunded by the coach", bookingId);
  check(reversed.refundedCents === 1_000, `the student gets 10.00 back (got ${reversed.refundedCents})`);
  log("17. The coach refunds the session after it ended (refundSession): 10.00 EUR back to the student, the 8.50 transfer reversed.");
}

/** The closing table a person reads. */
export function summary(result: DemoResult): string {
  const rows = result.states.map((s) => `| ${s.step.padEnd(30)} | ${`${s.status}/${s.paymentStatus}`.padEnd(20)} |`);
  const eur = (c: number) => (c / 100).toFixed(2);
  return [
    `| ${"step".padEnd(30)} | ${"state".padEnd(20)} |`,
    `| ${"-".repeat(30)} | ${"-".repeat(20)} |`,
    ...rows,
    "",
    `money: captured ${eur(result.money.capturedCents)} EUR, refunded ${eur(result.money.refundedCents)} EUR, kept ${eur(result.money.capturedCents - result.money.refundedCents)} EUR`,
    `emails: ${result.mail.withCalendarFile} with calendar files; every email the backend sent is at ${result.mail.viewer}`,
    `payout: the check-in's coach was transferred ${eur(result.payout.transferredCents)} EUR (fee ${eur(result.payout.feeCents)} EUR), ${eur(result.payout.reversedCents)} EUR reversed when they refunded it`,
    result.ok ? "demo: every step behaved as described" : `demo: FAILED (${result.error ?? "?"})`,
  ].join("\n");
}
