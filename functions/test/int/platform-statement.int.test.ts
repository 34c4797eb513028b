import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { patchBooking } from "../../src/core/bookings.repository.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { bookingDoc, getDb } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { invoke, useDeployedCodeWithGuardsReset } from "../helpers/callables.js";
import { confirmedBooking, useStandIns } from "../helpers/in-process.js";
import { completeAndPayOut, onboard } from "../helpers/payouts.js";

const standIns = useStandIns();
useDeployedCodeWithGuardsReset(standIns);

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const admin = { uid: uniqueId("admin"), admin: true };

/** The next Monday 09:00 UTC at least three days away (the ready coach's hours), so the whole story fits one statement period. */
function nextMondaySession(): { startTime: string; endTime: string } {
  const d = new Date(Date.now() + 3 * DAY);
  d.setUTCHours(9, 0, 0, 0);
  while (d.getUTCDay() !== 1) d.setTime(d.getTime() + DAY);
  return { startTime: d.toISOString(), endTime: new Date(d.getTime() + HOUR).toISOString() };
}

/** Every ledger entry dated in [from, to), read straight from Firestore: amount summed per kind and currency. */
async function ledgerSumsByKind(from: string, to: string): Promise<Map<string, number>> {
  const snap = await getDb()
    .collectionGroup("ledger")
    .where("at", ">=", Timestamp.fromDate(new Date(from)))
    .where("at", "<", Timestamp.fromDate(new Date(to)))
    .get();
  const sums = new Map<string, number>();
  for (const d of snap.docs) {
    const key = `${String(d.get("currency"))}|${String(d.get("kind"))}`;
    sums.set(key, (sums.get(key) ?? 0) + Number(d.get("amountCents")));
  }
  return sums;
}

describe("the platform's statement", () => {
  it("after a paid-out session and a refund reversed from the coach, its totals are the ledger's sums by kind", async () => {
    const from = new Date(Date.now() - HOUR).toISOString();
    const s = await confirmedBooking(standIns, { price: { priceCents: 6_000, currency: "eur" }, ...nextMondaySession() });
    // Another coach's session, paid and not yet settled: all of it is still held for them.
    const other = await confirmedBooking(standIns, { price: { priceCents: 4_000, currency: "eur" }, ...nextMondaySession() });
    await onboard(standIns.stripe, s);
    expect(await completeAndPayOut(s)).toMatchObject({ transferred: 5_100 });
    // A refund of 20.00 after payout: the coach's share falls by 17.00, reversed from their account.
    await getDb().runTransaction(async (tx) => {
      const b = (await tx.get(bookingDoc(s.bookingId))).data();
      if (!b) throw new Error("missing booking");
      patchBooking(
        tx,
        s.bookingId,
        b,
        { refundsOwed: [{ key: "goodwill", amountCents: 2_000, refundedCents: 0, cause: "admin" }] },
        s.clock.now,
      );
    });
    await runBookingEffects(s.bookingId, s.deps);
    const to = new Date(s.clock.now.getTime() + HOUR).toISOString();

    const answer = await invoke("platformStatement", { from, to }, admin);
    if (!answer.ok) throw new Error(`${answer.code}: ${answer.message}`);
    const statement = answer.value as {
      from: string;
      to: string;
      coaches: Record<string, string | number>[];
      totals: Record<string, string | number>[];
      csv: string;
    };
    expect(statement).toMatchObject({ from, to });
    expect(statement.coaches.find((c) => c.coachId === s.coachId)).toEqual({
      coachId: s.coachId,
      currency: "eur",
      capturedCents: 6_000,
      refundedCents: 2_000,
      disputedCents: 0,
      netCents: 4_000,
      feesCents: 600,
      earnedCents: 3_400,
      transferredCents: 5_100,
      reversedCents: 1_700,
      owedCents: 0,
      heldCents: 0,
    });
    expect(statement.coaches.find((c) => c.coachId === other.coachId)).toMatchObject({
      capturedCents: 4_000,
      feesCents: 0,
      heldCents: 4_000,
    });
    expect(statement.csv).toContain(`\n${s.coachId},eur,6000,2000,0,4000,600,3400,5100,1700,0,0\n`);

    const sums = await ledgerSumsByKind(from, to);
    const sum = (kind: string) => sums.get(`eur|${kind}`) ?? 0;
    // Taken out of what the platform holds: shown positive (0 − x, never −0).
    const out = (kind: string) => 0 - sum(kind);
    expect(statement.totals).toEqual([
      {
        currency: "eur",
        capturedCents: sum("captured"),
        refundedCents: out("refunded"),
        disputedCents: out("dispute-withdrawn") + out("dispute-reinstated"),
        netCents: sum("captured") + sum("refunded") + sum("dispute-withdrawn") + sum("dispute-reinstated"),
        feesCents: out("platform-fee"),
        earnedCents: sum("captured") + sum("refunded") + sum("dispute-withdrawn") + sum("dispute-reinstated") + sum("platform-fee"),
        transferredCents: out("transfer"),
        reversedCents: sum("transfer-reversal"),
        owedCents: sum("coach-debt"),
        heldCents: [...sums.values()].reduce((a, b) => a + b, 0),
      },
    ]);
    // Both sessions are in it: the ledger's figures are not just this coach's.
    expect(sum("captured")).toBeGreaterThanOrEqual(10_000);
    expect(statement.csv.trimEnd().split("\n").at(-1)).toBe(
      ["TOTAL", "eur", ...Object.values(statement.totals[0] ?? {}).slice(1)].join(","),
    );
  });

  it("is refused to anyone but an admin, and over more than 366 days", async () => {
    const period = { from: "2030-01-01T00:00:00Z", to: "2030-02-01T00:00:00Z" };
    expect(await invoke("platformStatement", period, null)).toMatchObject({ ok: false, code: "unauthenticated" });
    expect(await invoke("platformStatement", period, { uid: uniqueId("coach") })).toEqual({
      ok: false,
      code: "permission-denied",
      message: "Only an admin can see the platform's statement.",
    });
    expect(await invoke("platformStatement", { from: "2030-01-01T00:00:00Z", to: "2031-01-03T00:00:00Z" }, admin)).toMatchObject({
      ok: false,
      code: "invalid-argument",
    });
    expect(await invoke("platformStatement", period, admin)).toMatchObject({ ok: true, value: { coaches: [], totals: [] } });
  });
});
