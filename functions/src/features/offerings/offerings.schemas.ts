import { z } from "zod";
import { OfferingSchema } from "../../domain/offering.js";

/** What a coach may set on an offering; the Cal.com event type id is ours to set. */
export const OfferingInputSchema = OfferingSchema.omit({ calcomEventTypeId: true });

export const SaveOfferingInputSchema = z.object({ offering: OfferingInputSchema });
export type SaveOfferingInput = z.output<typeof SaveOfferingInputSchema>;

export const RemoveOfferingInputSchema = z.object({ offeringId: z.string().min(1).max(40) });
export type RemoveOfferingInput = z.output<typeof RemoveOfferingInputSchema>;
