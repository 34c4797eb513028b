import { z } from "zod";
import { CoachProfileSchema, LanguageCodeSchema, SlugSchema } from "../../domain/coach-profile.js";
import { CentsSchema, CurrencySchema } from "../../domain/money.js";

/** The whole catalog profile at once (every field required but `displayName`, which is kept when absent). */
const profile = CoachProfileSchema.shape;
export const SaveCoachProfileInputSchema = z
  .object({
    headline: profile.headline.unwrap(),
    bio: profile.bio.unwrap(),
    photoUrl: profile.photoUrl.unwrap(),
    languages: profile.languages.unwrap(),
    specialties: profile.specialties.unwrap(),
    published: profile.published.unwrap(),
    displayName: z.string().trim().min(1).max(200).optional(),
  })
  .strict();
export type SaveCoachProfileInput = z.output<typeof SaveCoachProfileInputSchema>;

export const SetCoachListingInputSchema = z
  .object({
    coachId: z.string().min(1).max(128),
    approved: z.boolean().optional(),
    unpublished: z.boolean().optional(),
    reason: z.string().trim().max(500).optional(),
  })
  .strict();
export type SetCoachListingInput = z.output<typeof SetCoachListingInputSchema>;

export const ListCoachesInputSchema = z
  .object({
    specialty: SlugSchema.optional(),
    language: LanguageCodeSchema.optional(),
    currency: CurrencySchema.optional(),
    minPriceCents: CentsSchema.optional(),
    maxPriceCents: CentsSchema.optional(),
    pageSize: z.int().min(1).max(50).default(20),
    pageToken: z.string().min(1).max(1_000).optional(),
  })
  .strict();
export type ListCoachesInput = z.output<typeof ListCoachesInputSchema>;

export const GetCoachInputSchema = z.object({ coachId: z.string().min(1).max(128) }).strict();
export type GetCoachInput = z.output<typeof GetCoachInputSchema>;
