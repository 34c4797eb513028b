import { describe, expect, it } from "vitest";
import { calcomCanceller } from "./calcom-cancellation.js";

describe("calcomCanceller", () => {
  const attendeeEmails = ["Student@Example.com"];
  it("regression #16.7: only an attendee's cancellation is the student's; host, admin, anybody else or unknown is the coach's", () => {
    expect(calcomCanceller({ cancelledBy: "student@example.com ", attendeeEmails })).toBe("student");
    expect(calcomCanceller({ cancelledBy: "coach@example.com", attendeeEmails })).toBe("coach");
    expect(calcomCanceller({ cancelledBy: "org-admin@example.com", attendeeEmails })).toBe("coach");
    expect(calcomCanceller({ cancelledBy: null, attendeeEmails })).toBe("coach");
    expect(calcomCanceller({ cancelledBy: undefined, attendeeEmails })).toBe("coach");
    expect(calcomCanceller({ cancelledBy: "", attendeeEmails: [""] })).toBe("coach");
    expect(calcomCanceller({ cancelledBy: "student@example.com", attendeeEmails: [] })).toBe("coach");
  });
});
