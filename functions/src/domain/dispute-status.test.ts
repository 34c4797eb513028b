import { describe, expect, it } from "vitest";
import { disputeMoneyMove, isDisputeClosed, isStaleDisputeStatus } from "./dispute-status.js";

describe("isStaleDisputeStatus", () => {
  it("regression #16.4: nothing earlier is applied once a dispute is closed", () => {
    for (const closed of ["won", "lost", "warning_closed", "prevented"]) {
      for (const earlier of ["needs_response", "under_review", "warning_needs_response", "warning_under_review"])
        expect(isStaleDisputeStatus(closed, earlier)).toBe(true);
      expect(isStaleDisputeStatus(closed, closed)).toBe(false);
    }
    expect(isStaleDisputeStatus("won", "lost")).toBe(true);
    expect(isStaleDisputeStatus("lost", "won")).toBe(true);
  });

  it("lets a dispute move forward, and the same status be reported again", () => {
    expect(isStaleDisputeStatus("needs_response", "under_review")).toBe(false);
    expect(isStaleDisputeStatus("under_review", "needs_response")).toBe(true);
    expect(isStaleDisputeStatus("warning_needs_response", "needs_response")).toBe(false);
    expect(isStaleDisputeStatus("needs_response", "warning_needs_response")).toBe(true);
    expect(isStaleDisputeStatus("under_review", "under_review")).toBe(false);
    expect(isStaleDisputeStatus("under_review", "lost")).toBe(false);
  });

  it("knows which statuses are closed", () => {
    expect(["won", "lost", "warning_closed", "prevented"].every(isDisputeClosed)).toBe(true);
    expect(["needs_response", "under_review", "warning_needs_response", "some_future_status"].some(isDisputeClosed)).toBe(false);
  });
});

describe("disputeMoneyMove", () => {
  it("withdraws a chargeback's amount once and reinstates it once when won", () => {
    expect(disputeMoneyMove(false, "needs_response")).toEqual({ withdraw: true, reinstate: false, fundsWithdrawn: true });
    expect(disputeMoneyMove(true, "under_review")).toEqual({ withdraw: false, reinstate: false, fundsWithdrawn: true });
    expect(disputeMoneyMove(true, "won")).toEqual({ withdraw: false, reinstate: true, fundsWithdrawn: false });
    expect(disputeMoneyMove(true, "lost")).toEqual({ withdraw: false, reinstate: false, fundsWithdrawn: true });
    expect(disputeMoneyMove(false, "lost")).toEqual({ withdraw: true, reinstate: false, fundsWithdrawn: true });
  });

  it("moves nothing for an inquiry, or a win whose withdrawal we never saw", () => {
    for (const status of ["warning_needs_response", "warning_under_review", "warning_closed", "prevented"])
      expect(disputeMoneyMove(false, status)).toEqual({ withdraw: false, reinstate: false, fundsWithdrawn: false });
    expect(disputeMoneyMove(false, "won")).toEqual({ withdraw: false, reinstate: false, fundsWithdrawn: false });
  });
});
