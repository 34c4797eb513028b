import { describe, expect, it } from "vitest";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { calcomApi } from "../../src/integrations/calcom/calcom-api.js";
import { CalcomClient } from "../../src/integrations/calcom/calcom-client.js";
import { bookingDoc } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { testDependencies } from "../helpers/deps.js";
import { readyCoach, useStandIns } from "../helpers/in-process.js";

const standIns = useStandIns();

describe("a move made in Cal.com before we confirmed the booking", () => {
  it("regression #16.23: the confirm that finds the old Cal.com booking cancelled by the move follows the move, never cancels the session", async () => {
    const deps = testDependencies(standIns.calcom, { stripe: standIns.stripe });
    const { coachId, eventTypeId } = await readyCoach(deps, { priceCents: 0, currency: "eur" });
    const studentId = uniqueId("student");
    const student = { uid: studentId, isAdmin: false };
    // Free: paid at once, its Cal.com booking still pending until the trigger confirms it.
    const { bookingId } = await createBooking(
      {
        coachId,
        eventTypeId,
        offeringId: "sixty",
        userId: studentId,
        startTime: "2030-01-07T09:00:00.000Z",
        endTime: "2030-01-07T10:00:00.000Z",
      },
      student,
      deps,
    );
    const oldUid = (await bookingDoc(bookingId).get()).data()?.calcomBookingUid ?? "";
    // The student moves it in Cal.com; its webhook has not arrived when the trigger confirms.
    const moved = await calcomApi.rescheduleBooking(new CalcomClient({ baseUrl: standIns.calcom.url }), null, oldUid, {
      start: "2030-01-07T10:00:00.000Z",
      reschedulingReason: "Later",
    });
    await runBookingEffects(bookingId, deps);
    await runBookingEffects(bookingId, deps);
    const after = (await bookingDoc(bookingId).get()).data();
    expect(after).toMatchObject({
      status: "confirmed",
      paymentStatus: "paid",
      calcomBookingUid: moved.uid,
      startTime: "2030-01-07T10:00:00.000Z",
      cancellation: null,
    });
    expect(standIns.calcom.booking(moved.uid)?.status).toBe("accepted");
  });
});
