import { z } from "zod";

export const ReconcileBookingInputSchema = z.object({
  bookingId: z.string().min(1).max(128),
  /** Report the drift without changing anything. */
  dryRun: z.boolean().default(false),
});
