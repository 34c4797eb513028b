import { describe, expect, it } from "vitest";
import {
  CurrencySchema,
  MoneySchema,
  formatMoney,
  isRefundMade,
  minimumChargeCents,
  percentOf,
  refundableCents,
  roundDownForStripe,
  stripeAmountStep,
} from "./money.js";
import { priceDifference } from "./price-difference.js";
import { AppError } from "./errors.js";

describe("money", () => {
  it("rounds percentages down to whole minor units", () => {
    expect(percentOf(10_000, 50)).toBe(5_000);
    expect(percentOf(999, 50)).toBe(499);
    expect(percentOf(1, 99)).toBe(0);
    expect(percentOf(12_345, 100)).toBe(12_345);
    expect(percentOf(12_345, 0)).toBe(0);
  });

  it("refuses fractional or negative inputs", () => {
    expect(() => percentOf(10.5, 50)).toThrow(RangeError);
    expect(() => percentOf(-1, 50)).toThrow(RangeError);
    expect(() => percentOf(100, 101)).toThrow(RangeError);
    expect(() => percentOf(100, 33.3)).toThrow(RangeError);
  });

  it("never reports a negative refundable amount", () => {
    expect(refundableCents(5_000, 2_000)).toBe(3_000);
    expect(refundableCents(5_000, 6_000)).toBe(0);
  });

  it("normalises currencies to lowercase ISO codes and refuses others", () => {
    expect(CurrencySchema.parse("EUR")).toBe("eur");
    expect(CurrencySchema.safeParse("euro").success).toBe(false);
    expect(MoneySchema.safeParse({ amountCents: 1.5, currency: "usd" }).success).toBe(false);
    expect(MoneySchema.safeParse({ amountCents: -1, currency: "usd" }).success).toBe(false);
  });

  it("formats with each currency's own decimals", () => {
    expect(formatMoney(1250, "eur")).toBe("€12.50");
    expect(formatMoney(1250, "jpy")).toBe("¥1,250");
  });
});

describe("priceDifference", () => {
  const paid = { capturedCents: 6_000, refundedCents: 0, currency: "eur" };

  it("charges the difference for a dearer offering", () => {
    expect(priceDifference({ ...paid, newPriceCents: 9_000, newCurrency: "EUR" })).toEqual({
      kind: "charge",
      amountCents: 3_000,
      currency: "eur",
    });
  });

  it("refunds the difference for a cheaper offering", () => {
    expect(priceDifference({ ...paid, newPriceCents: 4_000, newCurrency: "eur" })).toEqual({
      kind: "refund",
      amountCents: 2_000,
      currency: "eur",
    });
  });

  it("moves no money at the same price", () => {
    expect(priceDifference({ ...paid, newPriceCents: 6_000, newCurrency: "eur" })).toEqual({
      kind: "none",
      amountCents: 0,
      currency: "eur",
    });
  });

  it("counts what was already refunded", () => {
    expect(
      priceDifference({ capturedCents: 6_000, refundedCents: 2_000, currency: "eur", newPriceCents: 6_000, newCurrency: "eur" }),
    ).toEqual({ kind: "charge", amountCents: 2_000, currency: "eur" });
  });

  it("waives a difference to pay under Stripe's minimum charge, and charges one at it", () => {
    expect(priceDifference({ ...paid, newPriceCents: 6_049, newCurrency: "eur" })).toEqual({
      kind: "none",
      amountCents: 0,
      currency: "eur",
    });
    expect(priceDifference({ ...paid, newPriceCents: 6_050, newCurrency: "eur" })).toEqual({
      kind: "charge",
      amountCents: 50,
      currency: "eur",
    });
    // GBP's minimum is 0.30; a refund of any size is made.
    const pounds = { capturedCents: 6_000, refundedCents: 0, currency: "gbp" };
    expect(priceDifference({ ...pounds, newPriceCents: 6_030, newCurrency: "gbp" })).toMatchObject({ kind: "charge", amountCents: 30 });
    expect(priceDifference({ ...paid, newPriceCents: 5_999, newCurrency: "eur" })).toEqual({
      kind: "refund",
      amountCents: 1,
      currency: "eur",
    });
  });

  it("refuses to move between currencies", () => {
    expect(() => priceDifference({ ...paid, newPriceCents: 6_000, newCurrency: "usd" })).toThrow(AppError);
  });
});

describe("roundDownForStripe", () => {
  it("regression #16.11: rounds a refund down to what Stripe accepts for the currency, never up", () => {
    // Two-decimal and zero-decimal currencies take any minor unit.
    expect(roundDownForStripe(5_005, "eur")).toBe(5_005);
    expect(roundDownForStripe(1_999, "JPY")).toBe(1_999);
    expect(roundDownForStripe(12_345, "huf")).toBe(12_345);
    expect(roundDownForStripe(12_345, "twd")).toBe(12_345);
    // Three-decimal currencies: multiples of 10.
    for (const c of ["bhd", "jod", "kwd", "omr", "tnd", "KWD"]) {
      expect(roundDownForStripe(5_005, c)).toBe(5_000);
      expect(roundDownForStripe(5_009, c)).toBe(5_000);
      expect(roundDownForStripe(5_010, c)).toBe(5_010);
      expect(roundDownForStripe(9, c)).toBe(0);
    }
    // ISK and UGX: whole units written with two decimals, multiples of 100.
    for (const c of ["isk", "ugx"]) {
      expect(roundDownForStripe(5_050, c)).toBe(5_000);
      expect(roundDownForStripe(5_099, c)).toBe(5_000);
      expect(roundDownForStripe(5_100, c)).toBe(5_100);
      expect(roundDownForStripe(99, c)).toBe(0);
    }
    expect(roundDownForStripe(0, "kwd")).toBe(0);
    expect(() => roundDownForStripe(-10, "kwd")).toThrow(RangeError);
    expect(() => roundDownForStripe(1.5, "eur")).toThrow(RangeError);
    expect(stripeAmountStep("usd")).toBe(1);
  });

  it("counts a refund as made only when Stripe says succeeded or pending", () => {
    expect(isRefundMade("succeeded")).toBe(true);
    expect(isRefundMade("pending")).toBe(true);
    for (const s of ["failed", "canceled", "requires_action", ""]) expect(isRefundMade(s)).toBe(false);
  });
});

describe("minimumChargeCents", () => {
  it("is Stripe's minimum in the currency's smallest unit, whatever the case of the code; none for a currency not listed", () => {
    expect(minimumChargeCents("EUR")).toBe(50);
    expect(minimumChargeCents("huf")).toBe(17_500);
    expect(minimumChargeCents("jpy")).toBe(50);
    expect(minimumChargeCents("xof")).toBe(0);
  });
});
