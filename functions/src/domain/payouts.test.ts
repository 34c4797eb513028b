import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { feeFor, parseFeePercent, parseFixedFees, payoutSteps, shareByPayment, splitKept } from "./payouts.js";

const FIFTEEN = { basisPoints: 1_500, fixedCents: 0 };

describe("splitKept", () => {
  it("a 60.00 session at 15 %: 51.00 to the coach, 9.00 kept", () => {
    expect(splitKept(6_000, FIFTEEN, "eur")).toEqual({ feeCents: 900, coachCents: 5_100 });
  });

  it("the fee applies to what was kept: 30.00 kept of 60.00 gives the coach 25.50; nothing kept, nothing split", () => {
    expect(splitKept(3_000, FIFTEEN, "eur")).toEqual({ feeCents: 450, coachCents: 2_550 });
    expect(splitKept(0, { basisPoints: 1_500, fixedCents: 50 }, "eur")).toEqual({ feeCents: 0, coachCents: 0 });
  });

  it("adds the fixed part once, never taking more than was kept", () => {
    expect(splitKept(6_000, { basisPoints: 1_000, fixedCents: 30 }, "eur")).toEqual({ feeCents: 630, coachCents: 5_370 });
    expect(splitKept(20, { basisPoints: 1_000, fixedCents: 30 }, "eur")).toEqual({ feeCents: 20, coachCents: 0 });
  });

  it("rounds the coach's share down to what Stripe transfers in the currency (KWD in steps of 10)", () => {
    expect(splitKept(10_005, FIFTEEN, "kwd")).toEqual({ feeCents: 1_505, coachCents: 8_500 });
  });

  it("fee + share is always what was kept, the share never negative nor above it", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99_999_999 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.constantFrom("eur", "jpy", "kwd"),
        (kept, bps, fixed, currency) => {
          const { feeCents, coachCents } = splitKept(kept, { basisPoints: bps, fixedCents: fixed }, currency);
          expect(feeCents + coachCents).toBe(kept);
          expect(coachCents).toBeGreaterThanOrEqual(0);
          expect(feeCents).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });
});

describe("shareByPayment", () => {
  it("spreads the share over the payments by what each kept, never above it, summing to the share", () => {
    const payments = [
      { paymentIntentId: "pi_a", capturedCents: 3_500, refundedCents: 0, lostCents: 0 },
      { paymentIntentId: "pi_b", capturedCents: 2_500, refundedCents: 0, lostCents: 0 },
    ];
    expect(Object.fromEntries(shareByPayment(payments, 5_100))).toEqual({ pi_a: 2_975, pi_b: 2_125 });
    fc.assert(
      fc.property(
        fc.array(fc.record({ c: fc.integer({ min: 0, max: 100_000 }), r: fc.integer({ min: 0, max: 100_000 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (raw, ratio) => {
          const ps = raw.map((p, i) => ({
            paymentIntentId: `pi_${i}`,
            capturedCents: p.c,
            refundedCents: Math.min(p.r, p.c),
            lostCents: 0,
          }));
          const kept = ps.reduce((s, p) => s + p.capturedCents - p.refundedCents, 0);
          const share = Math.floor(kept * ratio);
          const out = shareByPayment(ps, share);
          expect([...out.values()].reduce((s, v) => s + v, 0)).toBe(share);
          for (const p of ps) expect(out.get(p.paymentIntentId) ?? 0).toBeLessThanOrEqual(p.capturedCents - p.refundedCents);
        },
      ),
    );
  });
});

describe("payoutSteps", () => {
  it("transfers what is due, reverses what was transferred beyond it (reversals first), nothing when they agree", () => {
    expect(payoutSteps(new Map([["pi_a", 5_100]]), [])).toEqual([{ kind: "transfer", paymentIntentId: "pi_a", amountCents: 5_100 }]);
    expect(payoutSteps(new Map([["pi_a", 5_100]]), [{ paymentIntentId: "pi_a", transferredCents: 5_100, reversedCents: 0 }])).toEqual([]);
    expect(
      payoutSteps(
        new Map([
          ["pi_a", 0],
          ["pi_b", 100],
        ]),
        [{ paymentIntentId: "pi_a", transferredCents: 5_100, reversedCents: 100 }],
      ),
    ).toEqual([
      { kind: "reverse", paymentIntentId: "pi_a", amountCents: 5_000 },
      { kind: "transfer", paymentIntentId: "pi_b", amountCents: 100 },
    ]);
  });
});

describe("feeFor", () => {
  it("takes the coach's override when there is one, else the platform's, with the fixed part of the booking's currency", () => {
    const platform = { basisPoints: 1_500, fixedCents: { eur: 50 } };
    expect(feeFor(platform, undefined, "EUR")).toEqual({ basisPoints: 1_500, fixedCents: 50 });
    expect(feeFor(platform, undefined, "usd")).toEqual({ basisPoints: 1_500, fixedCents: 0 });
    expect(feeFor(platform, { basisPoints: 1_000, fixedCents: {} }, "eur")).toEqual({ basisPoints: 1_000, fixedCents: 0 });
  });
});

describe("fee parameters", () => {
  it("reads percents as basis points and fixed fees per currency, refusing what is not", () => {
    expect(parseFeePercent("15")).toBe(1_500);
    expect(parseFeePercent("12.5")).toBe(1_250);
    expect(parseFeePercent("")).toBe(0);
    expect(() => parseFeePercent("101")).toThrow(RangeError);
    expect(() => parseFeePercent("-1")).toThrow(RangeError);
    expect(Object.fromEntries(parseFixedFees("EUR:50, usd:30"))).toEqual({ eur: 50, usd: 30 });
    expect(parseFixedFees("").size).toBe(0);
    expect(() => parseFixedFees("eur50")).toThrow(RangeError);
  });
});
