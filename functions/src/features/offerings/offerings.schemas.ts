import { z } from "zod";
import { OfferingSchema } from "../../domain/offering.js";

/** What a coach may set on an offering; the Cal.com event type id is ours to set. */
export const OfferingInputSchema = OfferingSchema.omit({ calcomEventTypeId: true });

export const SaveOfferingInputSchema = z.object({ offering: OfferingInputSchema });
export type SaveOfferingInput = z.output<typeof SaveOfferingInputSchema>;

export const RemoveOfferingInputSchema = z.object({ offeringId: z.string().min(1).max(40) });
export type RemoveOfferingInput = z.output<typeof RemoveOfferingInputSchema>;

/** `coaches/{coachId}/eventTypes/{offeringId}`: the recorded outcome of syncing one offering. */
export const EventTypeRecordSchema = z.object({
  eventTypeId: z.int().positive(),
  /** The Cal.com-relevant fields last applied, so an unchanged offering costs no Cal.com call. */
  specKey: z.string(),
  scheduleId: z.int().positive().nullable(),
  deleted: z.boolean(),
});
export type EventTypeRecord = z.output<typeof EventTypeRecordSchema>;
