import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { doc, getDoc, setLogLevel } from "firebase/firestore";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eraseFromBooking } from "../../src/core/erasure.js";
import { followCalcomMove } from "../../src/core/effects/follow-calcom-move.js";
import { runBookingEffects } from "../../src/core/effects/runner.js";
import { createBooking } from "../../src/features/bookings/bookings.service.js";
import { cancelBooking } from "../../src/features/cancellations/cancellations.service.js";
import { calcomApi } from "../../src/integrations/calcom/calcom-api.js";
import { CalcomClient } from "../../src/integrations/calcom/calcom-client.js";
import { sessionAccessDoc } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { confirmedBooking, useStandIns } from "../helpers/in-process.js";

// The protected data of a paid session (Cal.com's meeting link, the coach's contact) in
// `sessionAccess/{bookingId}`: written when the booking is confirmed, refreshed when it moves,
// gone when it is cancelled or an account is erased; read through the rules by its student only.

const standIns = useStandIns();
const RULES = fileURLToPath(new URL("../../../firestore.rules", import.meta.url));
let rules: RulesTestEnvironment;

beforeAll(async () => {
  setLogLevel("silent");
  // The same emulator and project as the functions' writes, seen by clients through firestore.rules.
  rules = await initializeTestEnvironment({ projectId: "demo-coachify-int", firestore: { rules: readFileSync(RULES, "utf8") } });
});
afterAll(async () => {
  await rules.cleanup();
});

const clientRead = (uid: string | null, bookingId: string) =>
  getDoc(doc((uid === null ? rules.unauthenticatedContext() : rules.authenticatedContext(uid)).firestore(), `sessionAccess/${bookingId}`));

describe("a paid session's meeting link and coach contact", () => {
  it("are written at confirmation with Cal.com's link, and readable by the paying student only", async () => {
    const s = await confirmedBooking(standIns);
    const stored = (await sessionAccessDoc(s.bookingId).get()).data();
    expect(stored).toMatchObject({
      bookingId: s.bookingId,
      userId: s.studentId,
      coachId: s.coachId,
      meetingUrl: standIns.calcom.booking(s.calcomUid)?.location,
      coachContact: { email: `${s.coachId}@example.com` },
    });
    expect(stored?.meetingUrl).toBe(`https://meet.example/${s.calcomUid}`);

    const mine = await assertSucceeds(clientRead(s.studentId, s.bookingId));
    expect(mine.data()).toMatchObject({
      meetingUrl: `https://meet.example/${s.calcomUid}`,
      coachContact: { email: `${s.coachId}@example.com` },
    });
    await assertFails(clientRead(uniqueId("student"), s.bookingId));
    await assertFails(clientRead(s.coachId, s.bookingId));
    await assertFails(clientRead(null, s.bookingId));
  });

  it("do not exist for an unpaid hold", async () => {
    const s = await confirmedBooking(standIns);
    const studentId = uniqueId("student");
    const { bookingId } = await createBooking(
      {
        coachId: s.coachId,
        eventTypeId: s.eventTypeId,
        offeringId: "sixty",
        userId: studentId,
        startTime: "2030-01-07T11:00:00.000Z",
        endTime: "2030-01-07T12:00:00.000Z",
      },
      { uid: studentId, isAdmin: false },
      s.deps,
    );
    await runBookingEffects(bookingId, s.deps);
    expect((await sessionAccessDoc(bookingId).get()).exists).toBe(false);
    await assertFails(clientRead(studentId, bookingId));
  });

  it("are gone once the session is cancelled", async () => {
    const s = await confirmedBooking(standIns);
    await cancelBooking({ bookingId: s.bookingId, reason: "Plans changed" }, s.student, s.deps);
    await runBookingEffects(s.bookingId, s.deps);
    expect((await sessionAccessDoc(s.bookingId).get()).exists).toBe(false);
    await assertFails(clientRead(s.studentId, s.bookingId));
  });

  it("follow a move made in Cal.com to the new booking's link", async () => {
    const s = await confirmedBooking(standIns);
    const client = new CalcomClient({ baseUrl: standIns.calcom.url, maxAttempts: 1 });
    const moved = await calcomApi.rescheduleBooking(client, standIns.calcom.orgAdminKey, s.calcomUid, { start: "2030-01-14T09:00:00Z" });
    await followCalcomMove({ bookingId: s.bookingId, oldUid: s.calcomUid, newUid: moved.uid, by: "coach" }, s.deps);
    expect((await sessionAccessDoc(s.bookingId).get()).data()?.meetingUrl).toBe(`https://meet.example/${moved.uid}`);
  });

  it("are erased with the student's account", async () => {
    const s = await confirmedBooking(standIns);
    await eraseFromBooking(s.bookingId, new Set([s.studentId]), s.clock.now);
    expect((await sessionAccessDoc(s.bookingId).get()).exists).toBe(false);
  });
});
