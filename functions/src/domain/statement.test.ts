import { describe, expect, it } from "vitest";
import { buildPlatformStatement, buildStatement, type LedgerEntry } from "./statement.js";

const entry = (bookingId: string, kind: LedgerEntry["kind"], amountCents: number, currency = "eur", coachId = "c"): LedgerEntry => ({
  bookingId,
  coachId,
  kind,
  amountCents,
  currency,
  stripeObjectId: `${bookingId}-${kind}-${amountCents}`,
  cause: "x",
  at: "2030-01-01T00:00:00.000Z",
});

describe("buildStatement", () => {
  it("sums per booking and per currency, never across currencies", () => {
    const s = buildStatement([
      entry("b1", "captured", 10_000),
      entry("b1", "refunded", -5_000),
      entry("b2", "captured", 4_200, "usd"),
      entry("b2", "dispute-withdrawn", -4_200, "usd"),
      entry("b3", "captured", 3_000),
      entry("b3", "dispute-withdrawn", -3_000),
      entry("b3", "dispute-reinstated", 3_000),
    ]);
    expect(s.bookings).toEqual([
      {
        bookingId: "b1",
        currency: "eur",
        capturedCents: 10_000,
        refundedCents: 5_000,
        disputedCents: 0,
        netCents: 5_000,
        feesCents: 0,
        earnedCents: 5_000,
        transferredCents: 0,
        reversedCents: 0,
        owedCents: 0,
        heldCents: 5_000,
      },
      {
        bookingId: "b2",
        currency: "usd",
        capturedCents: 4_200,
        refundedCents: 0,
        disputedCents: 4_200,
        netCents: 0,
        feesCents: 0,
        earnedCents: 0,
        transferredCents: 0,
        reversedCents: 0,
        owedCents: 0,
        heldCents: 0,
      },
      {
        bookingId: "b3",
        currency: "eur",
        capturedCents: 3_000,
        refundedCents: 0,
        disputedCents: 0,
        netCents: 3_000,
        feesCents: 0,
        earnedCents: 3_000,
        transferredCents: 0,
        reversedCents: 0,
        owedCents: 0,
        heldCents: 3_000,
      },
    ]);
    expect(s.totals).toEqual([
      {
        currency: "eur",
        capturedCents: 13_000,
        refundedCents: 5_000,
        disputedCents: 0,
        netCents: 8_000,
        feesCents: 0,
        earnedCents: 8_000,
        transferredCents: 0,
        reversedCents: 0,
        owedCents: 0,
        heldCents: 8_000,
      },
      {
        currency: "usd",
        capturedCents: 4_200,
        refundedCents: 0,
        disputedCents: 4_200,
        netCents: 0,
        feesCents: 0,
        earnedCents: 0,
        transferredCents: 0,
        reversedCents: 0,
        owedCents: 0,
        heldCents: 0,
      },
    ]);
    expect(s.csv.split("\n")).toEqual([
      "bookingId,currency,capturedCents,refundedCents,disputedCents,netCents,feesCents,earnedCents,transferredCents,reversedCents,owedCents,heldCents",
      "b1,eur,10000,5000,0,5000,0,5000,0,0,0,5000",
      "b2,usd,4200,0,4200,0,0,0,0,0,0,0",
      "b3,eur,3000,0,0,3000,0,3000,0,0,0,3000",
      "TOTAL,eur,13000,5000,0,8000,0,8000,0,0,0,8000",
      "TOTAL,usd,4200,0,4200,0,0,0,0,0,0,0",
      "",
    ]);
  });

  it("follows a booking's money to its coach: fee, transfer, a reversal, a debt netted from the next share", () => {
    const s = buildStatement([
      entry("b1", "captured", 6_000),
      entry("b1", "platform-fee", -900),
      entry("b1", "transfer", -5_100),
      entry("b1", "refunded", -2_000),
      entry("b1", "platform-fee", 300),
      entry("b1", "coach-debt", 1_700),
      entry("b2", "captured", 6_000),
      entry("b2", "platform-fee", -900),
      entry("b2", "coach-debt", -1_700),
      entry("b2", "transfer", -3_000),
    ]);
    expect(
      s.bookings.map((b) => [b.bookingId, b.netCents, b.feesCents, b.earnedCents, b.transferredCents, b.owedCents, b.heldCents]),
    ).toEqual([
      ["b1", 4_000, 600, 3_400, 5_100, 1_700, 0],
      ["b2", 6_000, 900, 5_100, 3_000, -1_700, 400],
    ]);
    expect(s.totals[0]).toMatchObject({
      netCents: 10_000,
      feesCents: 1_500,
      earnedCents: 8_500,
      transferredCents: 8_100,
      owedCents: 0,
      heldCents: 400,
    });
  });

  it("answers an empty statement with only the header", () => {
    expect(buildStatement([])).toEqual({
      bookings: [],
      totals: [],
      csv: "bookingId,currency,capturedCents,refundedCents,disputedCents,netCents,feesCents,earnedCents,transferredCents,reversedCents,owedCents,heldCents\n",
    });
  });

  it("quotes a cell that holds a comma or a quote", () => {
    expect(buildStatement([entry('we,"ird', "captured", 1)]).csv).toContain('"we,""ird",eur,1');
  });
});

describe("buildPlatformStatement", () => {
  const entries = [
    entry("b1", "captured", 6_000, "eur", "coach-a"),
    entry("b1", "platform-fee", -900, "eur", "coach-a"),
    entry("b1", "transfer", -5_100, "eur", "coach-a"),
    entry("b2", "captured", 6_000, "eur", "coach-a"),
    entry("b2", "refunded", -6_000, "eur", "coach-a"),
    entry("b3", "captured", 4_000, "eur", "coach-b"),
    entry("b3", "platform-fee", -600, "eur", "coach-b"),
    entry("b4", "captured", 2_000, "usd", "coach-b"),
  ];

  it("sums per coach and currency, over all their bookings", () => {
    const s = buildPlatformStatement(entries);
    expect(
      s.coaches.map((c) => [c.coachId, c.currency, c.capturedCents, c.refundedCents, c.feesCents, c.transferredCents, c.heldCents]),
    ).toEqual([
      ["coach-a", "eur", 12_000, 6_000, 900, 5_100, 0],
      ["coach-b", "eur", 4_000, 0, 600, 0, 3_400],
      ["coach-b", "usd", 2_000, 0, 0, 0, 2_000],
    ]);
  });

  it("has the totals of a statement of the same entries, and a CSV row per coach", () => {
    const s = buildPlatformStatement(entries);
    expect(s.totals).toEqual(buildStatement(entries).totals);
    expect(s.totals.map((t) => [t.currency, t.feesCents, t.heldCents])).toEqual([
      ["eur", 1_500, 3_400],
      ["usd", 0, 2_000],
    ]);
    expect(s.csv.split("\n")).toEqual([
      "coachId,currency,capturedCents,refundedCents,disputedCents,netCents,feesCents,earnedCents,transferredCents,reversedCents,owedCents,heldCents",
      "coach-a,eur,12000,6000,0,6000,900,5100,5100,0,0,0",
      "coach-b,eur,4000,0,0,4000,600,3400,0,0,0,3400",
      "coach-b,usd,2000,0,0,2000,0,2000,0,0,0,2000",
      "TOTAL,eur,16000,6000,0,10000,1500,8500,5100,0,0,3400",
      "TOTAL,usd,2000,0,0,2000,0,2000,0,0,0,2000",
      "",
    ]);
  });
});
