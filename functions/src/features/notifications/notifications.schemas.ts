import { z } from "zod";
import { NotificationTopicSchema } from "../../domain/notifications.js";
import { TimeZoneSchema } from "../../domain/time.js";

const SwitchesSchema = z.strictObject({ email: z.boolean().optional(), push: z.boolean().optional() });

/**
 * A change of the caller's notification preferences: the topics named are merged into what is
 * stored (a channel left out keeps its value); `timeZone` null goes back to the default zone.
 */
export const SetNotificationPreferencesInputSchema = z.strictObject({
  channels: z.partialRecord(NotificationTopicSchema, SwitchesSchema).optional(),
  timeZone: TimeZoneSchema.nullable().optional(),
});
export type SetNotificationPreferencesInput = z.output<typeof SetNotificationPreferencesInputSchema>;

export const GetNotificationPreferencesInputSchema = z.strictObject({}).nullish();
