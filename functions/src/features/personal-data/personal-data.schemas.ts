import { z } from "zod";

/**
 * Whose data: nothing (or `{}`) for the caller's own; `{ uid }` names another account, which only
 * an admin may do. Unknown fields are refused rather than ignored: a typo must not turn an
 * admin's request about someone else into one about the admin.
 */
export const PersonalDataInputSchema = z
  .object({ uid: z.string().trim().min(1, "give the account's uid").max(128).optional() })
  .strict()
  .nullish();
export type PersonalDataInput = z.output<typeof PersonalDataInputSchema>;
