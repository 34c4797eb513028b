import { z } from "zod";
import { SchedulingLimitsPatchSchema } from "../../domain/limits.js";

export const SaveSchedulingLimitsInputSchema = z.object({ limits: SchedulingLimitsPatchSchema.strict() });
export type SaveSchedulingLimitsInput = z.output<typeof SaveSchedulingLimitsInputSchema>;
