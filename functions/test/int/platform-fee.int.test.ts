import { describe, expect, it } from "vitest";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { coachDoc } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { invoke, useDeployedCodeWithGuardsReset } from "../helpers/callables.js";
import { testDependencies } from "../helpers/deps.js";
import { readyCoach, storedBooking, useStandIns } from "../helpers/in-process.js";

const standIns = useStandIns();
useDeployedCodeWithGuardsReset(standIns);
const admin = { uid: uniqueId("admin"), admin: true };

async function coachWithPlatformFee() {
  const deps = testDependencies(standIns.calcom, {
    stripe: standIns.stripe,
    platformFee: { basisPoints: 1_500, fixedCents: { eur: 50 } },
  });
  const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 6_000, currency: "eur" });
  const book = async (hour: number) => {
    const studentId = uniqueId("student");
    const start = `2030-01-07T${String(hour).padStart(2, "0")}:00:00.000Z`;
    const end = `2030-01-07T${String(hour + 1).padStart(2, "0")}:00:00.000Z`;
    const { bookingId } = await createBooking(
      { coachId, eventTypeId, offeringId: "sixty", userId: studentId, startTime: start, endTime: end },
      { uid: studentId, isAdmin: false },
      deps,
    );
    return bookingId;
  };
  return { coachId, book };
}

describe("the platform fee", () => {
  it("is frozen on each booking when it is made: the platform's, or the coach's override set by an admin; a later change touches no booking made before", async () => {
    const { coachId, book } = await coachWithPlatformFee();
    const first = await book(8);
    expect((await storedBooking(first)).platformFee).toEqual({ basisPoints: 1_500, fixedCents: 50 });

    expect(await invoke("setCoachPlatformFee", { coachId, fee: { percent: 12.5, fixedCents: { eur: 20, usd: 30 } } }, admin)).toEqual({
      ok: true,
      value: { coachId, platformFee: { basisPoints: 1_250, fixedCents: { eur: 20, usd: 30 } } },
    });
    expect((await coachDoc(coachId).get()).data()?.platformFee).toEqual({ basisPoints: 1_250, fixedCents: { eur: 20, usd: 30 } });
    const second = await book(9);
    expect((await storedBooking(second)).platformFee).toEqual({ basisPoints: 1_250, fixedCents: 20 });

    // No fixed part for a currency not listed.
    await invoke("setCoachPlatformFee", { coachId, fee: { percent: 10 } }, admin);
    const third = await book(10);
    expect((await storedBooking(third)).platformFee).toEqual({ basisPoints: 1_000, fixedCents: 0 });

    // Cleared: the platform's fee again, for new bookings only.
    expect(await invoke("setCoachPlatformFee", { coachId, fee: null }, admin)).toEqual({ ok: true, value: { coachId, platformFee: null } });
    expect((await coachDoc(coachId).get()).data()?.platformFee).toBeUndefined();
    const fourth = await book(11);
    expect((await storedBooking(fourth)).platformFee).toEqual({ basisPoints: 1_500, fixedCents: 50 });

    expect((await storedBooking(first)).platformFee).toEqual({ basisPoints: 1_500, fixedCents: 50 });
    expect((await storedBooking(second)).platformFee).toEqual({ basisPoints: 1_250, fixedCents: 20 });
    expect((await storedBooking(third)).platformFee).toEqual({ basisPoints: 1_000, fixedCents: 0 });
  });

  it("is set only by an admin: the coach themselves and students are refused, and nothing changes", async () => {
    const { coachId } = await coachWithPlatformFee();
    const input = { coachId, fee: { percent: 0 } };
    for (const caller of [{ uid: coachId }, { uid: uniqueId("student") }]) {
      expect(await invoke("setCoachPlatformFee", input, caller)).toEqual({
        ok: false,
        code: "permission-denied",
        message: "Only an admin can set a coach's platform fee.",
      });
    }
    expect(await invoke("setCoachPlatformFee", input, null)).toMatchObject({ ok: false, code: "unauthenticated" });
    expect((await coachDoc(coachId).get()).data()?.platformFee).toBeUndefined();
    expect(await invoke("setCoachPlatformFee", { coachId: uniqueId("nobody"), fee: null }, admin)).toEqual({
      ok: false,
      code: "not-found",
      message: "There is no coach with this id.",
    });
  });

  it("is validated: a percent from 0 to 100 with at most two decimals, a fixed part of whole minor units ≥ 0 per lowercase currency", async () => {
    const { coachId } = await coachWithPlatformFee();
    for (const fee of [
      { percent: 100.01 },
      { percent: -1 },
      { percent: 12.345 },
      { percent: Number.NaN },
      { percent: "15" },
      { percent: 10, fixedCents: { eur: -1 } },
      { percent: 10, fixedCents: { eur: 0.5 } },
      { percent: 10, fixedCents: { EUR: 50 } },
      { percent: 10, fixedCents: { euro: 50 } },
      { basisPoints: 1_000 },
      {},
    ]) {
      const out = await invoke("setCoachPlatformFee", { coachId, fee }, admin);
      expect(out, JSON.stringify(fee)).toMatchObject({ ok: false, code: "invalid-argument" });
    }
    expect((await coachDoc(coachId).get()).data()?.platformFee).toBeUndefined();
    // The bounds themselves are accepted.
    for (const percent of [0, 100, 0.01]) {
      expect(await invoke("setCoachPlatformFee", { coachId, fee: { percent, fixedCents: { eur: 0 } } }, admin)).toMatchObject({ ok: true });
    }
    expect((await coachDoc(coachId).get()).data()?.platformFee).toEqual({ basisPoints: 1, fixedCents: { eur: 0 } });
  });
});
