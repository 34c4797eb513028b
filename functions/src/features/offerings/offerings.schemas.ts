import { z } from "zod";
import { formatMoney, minimumChargeCents } from "../../domain/money.js";
import { OfferingSchema } from "../../domain/offering.js";

/** What a coach may set on an offering; the Cal.com event type id is ours to set. */
export const OfferingInputSchema = OfferingSchema.omit({ calcomEventTypeId: true }).superRefine((o, ctx) => {
  // Stripe refuses to charge less: such a price could never be paid.
  const minimum = minimumChargeCents(o.currency);
  if (o.priceCents > 0 && o.priceCents < minimum) {
    ctx.addIssue({
      code: "custom",
      path: ["priceCents"],
      message: `must be 0 (free) or at least Stripe's minimum charge in ${o.currency.toUpperCase()}, ${formatMoney(minimum, o.currency)}`,
    });
  }
});

export const SaveOfferingInputSchema = z.object({ offering: OfferingInputSchema });
export type SaveOfferingInput = z.output<typeof SaveOfferingInputSchema>;

export const RemoveOfferingInputSchema = z.object({ offeringId: z.string().min(1).max(40) });
export type RemoveOfferingInput = z.output<typeof RemoveOfferingInputSchema>;
