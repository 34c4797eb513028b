import { z } from "zod";

export const ConnectCalcomAccountInputSchema = z.object({
  apiKey: z
    .string()
    .trim()
    .regex(/^cal_[A-Za-z0-9_]{8,200}$/, "must be a Cal.com API key (it starts with cal_)"),
});
export type ConnectCalcomAccountInput = z.output<typeof ConnectCalcomAccountInputSchema>;
