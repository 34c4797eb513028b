import { z } from "zod";

/** A catalog slug: a specialty (`yoga`, `career-change`). */
export const SlugSchema = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "must be a lowercase slug (letters, digits, single hyphens)");

/** A language tag, BCP-47-like and lowercase (`en`, `pt-br`, `zh-hant`). */
export const LanguageCodeSchema = z
  .string()
  .min(2)
  .max(20)
  .regex(/^[a-z]{2,3}(-[a-z0-9]{2,8})*$/, "must be a lowercase language code such as en or pt-br");

function uniqueList<T extends z.ZodType<string>>(item: T, what: string) {
  return z
    .array(item)
    .max(10)
    .refine((list) => new Set(list).size === list.length, `${what} must not repeat`);
}

/** What a coach writes about themselves for the catalog (private until projected, coach-written through saveCoachProfile). */
export const CoachProfileSchema = z.object({
  headline: z.string().trim().max(120).default(""),
  bio: z.string().trim().max(2_000).default(""),
  photoUrl: z
    .url({ protocol: /^https$/ })
    .max(2_000)
    .nullable()
    .default(null),
  languages: uniqueList(LanguageCodeSchema, "languages").default([]),
  specialties: uniqueList(SlugSchema, "specialties").default([]),
  /** The coach wants to be listed (listing also needs the conditions of domain/catalog.ts). */
  published: z.boolean().default(false),
});

/** An admin's decision, with who made it and when (instants as UTC ISO strings). */
const AdminActSchema = z.object({ by: z.string().min(1).max(128), at: z.iso.datetime() });

/** What admins decide about a coach's listing (setCoachListing); the coach never writes it. */
export const CoachListingSchema = z.object({
  /** Approved by an admin: needed to be listed while CATALOG_APPROVAL_REQUIRED is on. */
  approval: AdminActSchema.nullable().default(null),
  /** Taken off the catalog by an admin, whatever the coach wants, until an admin lifts it. */
  unpublished: AdminActSchema.extend({ reason: z.string().trim().max(500) })
    .nullable()
    .default(null),
});
export type CoachListing = z.output<typeof CoachListingSchema>;
