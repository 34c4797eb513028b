import { describe, expect, it } from "vitest";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { rawCoachDoc } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { readyCoach, storedBooking, useStandIns } from "../helpers/in-process.js";

const standIns = useStandIns();

describe("the platform fee", () => {
  it("is frozen on each booking when it is made: the platform's, or the coach's override; a later change touches no booking made before", async () => {
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
    const first = await book(8);
    expect((await storedBooking(first)).platformFee).toEqual({ basisPoints: 1_500, fixedCents: 50 });

    await rawCoachDoc(coachId).update({ platformFee: { basisPoints: 1_000, fixedCents: {} } });
    const second = await book(10);
    expect((await storedBooking(second)).platformFee).toEqual({ basisPoints: 1_000, fixedCents: 0 });
    expect((await storedBooking(first)).platformFee).toEqual({ basisPoints: 1_500, fixedCents: 50 });
  });
});
