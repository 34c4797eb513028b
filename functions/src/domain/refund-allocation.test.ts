import { describe, expect, it } from "vitest";
import { allocateRefund } from "./refund-allocation.js";

const first = { paymentIntentId: "pi_first", amountCents: 5_000, refundedCents: 0 };
const difference = { paymentIntentId: "pi_diff", amountCents: 3_000, refundedCents: 0 };

describe("allocateRefund", () => {
  it("takes a refund from the newest payment first", () => {
    expect(allocateRefund([first, difference], 2_000)).toEqual([{ paymentIntentId: "pi_diff", amountCents: 2_000 }]);
  });

  it("spills over to older payments once the newest is used up", () => {
    expect(allocateRefund([first, difference], 8_000)).toEqual([
      { paymentIntentId: "pi_diff", amountCents: 3_000 },
      { paymentIntentId: "pi_first", amountCents: 5_000 },
    ]);
  });

  it("skips what was already refunded of a payment", () => {
    expect(allocateRefund([first, { ...difference, refundedCents: 3_000 }], 1_000)).toEqual([
      { paymentIntentId: "pi_first", amountCents: 1_000 },
    ]);
  });

  it("leaves the other parts unchanged once one part is recorded (a retry asks for the same)", () => {
    const before = allocateRefund([first, difference], 6_000);
    const after = allocateRefund([first, { ...difference, refundedCents: 3_000 }], 3_000);
    expect(after).toEqual(before.slice(1));
  });

  it("answers nothing for zero", () => {
    expect(allocateRefund([first], 0)).toEqual([]);
  });

  it("refuses more than the payments hold, and non-integers", () => {
    expect(() => allocateRefund([first], 5_001)).toThrow(/hold only 5000/);
    expect(() => allocateRefund([first], 1.5)).toThrow();
    expect(() => allocateRefund([], 1)).toThrow();
  });
});
