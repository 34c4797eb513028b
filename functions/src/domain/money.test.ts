import { describe, expect, it } from "vitest";
import { CurrencySchema, MoneySchema, formatMoney, percentOf, refundableCents } from "./money.js";
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
    expect(priceDifference({ ...paid, newPriceCents: 9_000, newCurrency: "EUR" })).toEqual({ kind: "charge", amountCents: 3_000, currency: "eur" });
  });

  it("refunds the difference for a cheaper offering", () => {
    expect(priceDifference({ ...paid, newPriceCents: 4_000, newCurrency: "eur" })).toEqual({ kind: "refund", amountCents: 2_000, currency: "eur" });
  });

  it("moves no money at the same price", () => {
    expect(priceDifference({ ...paid, newPriceCents: 6_000, newCurrency: "eur" })).toEqual({ kind: "none", amountCents: 0, currency: "eur" });
  });

  it("counts what was already refunded", () => {
    expect(priceDifference({ capturedCents: 6_000, refundedCents: 2_000, currency: "eur", newPriceCents: 6_000, newCurrency: "eur" })).toEqual({ kind: "charge", amountCents: 2_000, currency: "eur" });
  });

  it("refuses to move between currencies", () => {
    expect(() => priceDifference({ ...paid, newPriceCents: 6_000, newCurrency: "usd" })).toThrow(AppError);
  });
});
