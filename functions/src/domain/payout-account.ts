import { z } from "zod";
import { InstantSchema } from "./time.js";

/**
 * A coach's Stripe connected account (Express) as its last `account.updated` left it, on the
 * coach document: what onboarding still asks for, and whether Stripe lets us pay them.
 */
export const PayoutAccountSchema = z.object({
  accountId: z.string().startsWith("acct_").max(255),
  detailsSubmitted: z.boolean(),
  chargesEnabled: z.boolean(),
  payoutsEnabled: z.boolean(),
  /** The `transfers` capability is active: Stripe accepts transfers to the account. */
  transfersActive: z.boolean(),
  /** What Stripe still needs from the coach (currently or past due). */
  requirementsDue: z.array(z.string().max(200)).max(100),
  disabledReason: z.string().max(200).nullable(),
  /** When Stripe made the event the fields come from (seconds): an older event never overwrites them. */
  eventCreated: z.int().min(0),
  updatedAt: InstantSchema,
});
export type PayoutAccount = z.output<typeof PayoutAccountSchema>;

/**
 * Whether the coach can be paid now: Stripe takes transfers to their account and pays it out.
 * A coach who cannot still gets bookings; what they earn waits (held) until they can.
 */
export function canBePaid(account: Pick<PayoutAccount, "payoutsEnabled" | "transfersActive"> | null | undefined): boolean {
  return account !== null && account !== undefined && account.payoutsEnabled && account.transfersActive;
}
