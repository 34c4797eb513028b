import { describe, expect, it } from "vitest";
import { SaveOfferingInputSchema } from "./offerings.schemas.js";

const offering = { id: "sixty", title: "60 min", durationMinutes: 60, currency: "eur" };

describe("SaveOfferingInputSchema", () => {
  it("takes a free offering and one priced at least at Stripe's minimum charge", () => {
    expect(SaveOfferingInputSchema.safeParse({ offering: { ...offering, priceCents: 0 } }).success).toBe(true);
    expect(SaveOfferingInputSchema.safeParse({ offering: { ...offering, priceCents: 50 } }).success).toBe(true);
  });

  it("refuses a price Stripe could never charge, naming the minimum", () => {
    const parsed = SaveOfferingInputSchema.safeParse({ offering: { ...offering, priceCents: 49 } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues).toEqual([
      expect.objectContaining({
        path: ["offering", "priceCents"],
        message: "must be 0 (free) or at least Stripe's minimum charge in EUR, €0.50",
      }),
    ]);
  });
});
