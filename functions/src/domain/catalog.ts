import { canBePaid } from "./payout-account.js";
import { z } from "zod";
import type { Coach } from "./coach.js";
import { LanguageCodeSchema, SlugSchema } from "./coach-profile.js";
import { effectiveLimits } from "./limits.js";
import { CentsSchema } from "./money.js";
import { PolicyTierSchema, effectivePolicy, type CancellationPolicy } from "./policy.js";

/**
 * The public catalog: what students see of a coach (`publicCoaches/{coachId}`), projected from the
 * private coach document, and how listCoaches turns filters into one Firestore query.
 */

/** What decides whether a listed coach is shown, beside the coach document itself. */
export interface ListingContext {
  /** CATALOG_APPROVAL_REQUIRED: only coaches an admin approved are listed. */
  approvalRequired: boolean;
  /** CATALOG_PUBLIC_READ: the document says anyone (signed in or not) may read it. */
  publicRead: boolean;
  /** The coach's account was deleted (`deletedUsers/{uid}` exists). */
  deleted: boolean;
}

const ISO_CURRENCY = z.string().regex(/^[a-z]{3}$/);

/** One bookable offering as students see it: what getAvailableSlots and createBooking need, the price, the rules. */
const PublicOfferingSchema = z.object({
  offeringId: z.string(),
  title: z.string(),
  durationMinutes: z.int(),
  priceCents: CentsSchema,
  currency: ISO_CURRENCY,
  eventTypeId: z.int().positive(),
  cancellationPolicy: z.object({ summary: z.string(), tiers: z.array(PolicyTierSchema) }),
  limits: z.object({
    minimumNoticeMinutes: z.int(),
    bookingWindowDays: z.int().nullable(),
    studentCutoffMinutes: z.int(),
  }),
});
export type PublicOffering = z.output<typeof PublicOfferingSchema>;

/** `publicCoaches/{coachId}`: written by functions only; every field here is public by design. */
export const PublicCoachSchema = z
  .object({
    coachId: z.string(),
    displayName: z.string().nullable(),
    headline: z.string(),
    bio: z.string(),
    photoUrl: z.string().nullable(),
    languages: z.array(LanguageCodeSchema),
    specialties: z.array(SlugSchema),
    timeZone: z.string(),
    offerings: z.array(PublicOfferingSchema).min(1),
    /** Lowest price per currency ("sessions from"), the field a price range filters on. */
    priceFrom: z.record(ISO_CURRENCY, CentsSchema),
    /** Every filter combination the coach matches (facetKey), for one array-contains query. */
    facets: z.array(z.string()),
    /** The catalog's order without a price filter (then the document id). */
    sortKey: z.string(),
    /** Whether the coach has finished Stripe onboarding and can be paid (they are bookable either way). */
    payoutsReady: z.boolean(),
    /** "public": readable without signing in (firestore.rules checks it). */
    visibility: z.enum(["public", "signed-in"]),
  })
  .strict();
export type PublicCoach = z.output<typeof PublicCoachSchema>;

/** Why the coach is not listed, or null when they are. */
export function unlistedReason(coach: Coach, ctx: ListingContext): string | null {
  if (ctx.deleted) return "account-deleted";
  if (!coach.profile.published) return "not-published";
  if (coach.listing.unpublished !== null) return "unpublished-by-admin";
  if (ctx.approvalRequired && coach.listing.approval === null) return "not-approved";
  if (coach.calcomUserId === null || coach.calcomScheduleId === null) return "not-synced";
  if (!coach.customOfferings.some((o) => o.calcomEventTypeId !== null)) return "no-bookable-offering";
  return null;
}

function hours(h: number): string {
  return `${h} h`;
}

function refundWords(percent: number): string {
  return percent === 100 ? "full refund" : percent === 0 ? "no refund" : `${percent} %`;
}

function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** A policy in words: "Full refund up to 24 h before; 50 % up to 2 h before; no refund after". */
export function describePolicy(policy: CancellationPolicy): string {
  const tiers = policy.tiers;
  const last = tiers[tiers.length - 1];
  if (!last) return "";
  if (tiers.length === 1) return last.refundPercent === 0 ? "No refund" : `${capitalised(refundWords(last.refundPercent))} up to the start`;
  const parts = tiers.slice(0, -1).map((t) => `${refundWords(t.refundPercent)} up to ${hours(t.minNoticeHours)} before`);
  parts.push(last.refundPercent === 0 ? "no refund after" : `${refundWords(last.refundPercent)} after, up to the start`);
  return capitalised(parts.join("; "));
}

/** The filter value of one combination, in canonical order (currency, language, specialty): `c:eur|l:en|s:yoga`. */
export function facetKey(filters: {
  currency?: string | undefined;
  language?: string | undefined;
  specialty?: string | undefined;
}): string | null {
  const parts: string[] = [];
  if (filters.currency !== undefined) parts.push(`c:${filters.currency}`);
  if (filters.language !== undefined) parts.push(`l:${filters.language}`);
  if (filters.specialty !== undefined) parts.push(`s:${filters.specialty}`);
  return parts.length === 0 ? null : parts.join("|");
}

/** Every non-empty combination of at most one currency, one language and one specialty of the coach. */
export function facetsOf(currencies: readonly string[], languages: readonly string[], specialties: readonly string[]): string[] {
  const optional = <T>(list: readonly T[]): (T | undefined)[] => [undefined, ...list];
  const out: string[] = [];
  for (const currency of optional(currencies))
    for (const language of optional(languages))
      for (const specialty of optional(specialties)) {
        const key = facetKey({ currency, language, specialty });
        if (key !== null) out.push(key);
      }
  return out;
}

/** Name order, case and accents ignored; coaches without a name after the named ones. */
function sortKeyOf(displayName: string | undefined): string {
  const name = (displayName ?? "").normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().trim().slice(0, 100);
  return name === "" ? "~" : name;
}

function publicOffering(coach: Coach, offering: Coach["customOfferings"][number], eventTypeId: number): PublicOffering {
  const policy = effectivePolicy(coach.cancellationPolicy, offering.cancellationPolicy);
  const limits = effectiveLimits(coach.schedulingLimits, offering.schedulingLimits);
  return {
    offeringId: offering.id,
    title: offering.title,
    durationMinutes: offering.durationMinutes,
    priceCents: offering.priceCents,
    currency: offering.currency,
    eventTypeId,
    cancellationPolicy: { summary: describePolicy(policy), tiers: policy.tiers.map((t) => ({ ...t })) },
    limits: {
      minimumNoticeMinutes: limits.minimumNoticeMinutes,
      bookingWindowDays: limits.bookingWindowDays,
      studentCutoffMinutes: limits.studentCutoffMinutes,
    },
  };
}

/**
 * The public document of a listed coach, or null when the coach must not be listed. Built field
 * by field from what is public: nothing else of the coach document can reach it.
 */
export function projectPublicCoach(coachId: string, coach: Coach, ctx: ListingContext): PublicCoach | null {
  if (unlistedReason(coach, ctx) !== null) return null;
  const offerings = coach.customOfferings.flatMap((o) =>
    o.calcomEventTypeId === null ? [] : [publicOffering(coach, o, o.calcomEventTypeId)],
  );
  const priceFrom: Record<string, number> = {};
  for (const o of offerings) priceFrom[o.currency] = Math.min(priceFrom[o.currency] ?? Number.MAX_SAFE_INTEGER, o.priceCents);
  const currencies = Object.keys(priceFrom).sort();
  const { profile } = coach;
  return PublicCoachSchema.parse({
    coachId,
    displayName: coach.displayName ?? null,
    headline: profile.headline,
    bio: profile.bio,
    photoUrl: profile.photoUrl,
    languages: [...profile.languages],
    specialties: [...profile.specialties],
    timeZone: coach.timeZone,
    offerings,
    priceFrom,
    facets: facetsOf(currencies, profile.languages, profile.specialties),
    sortKey: sortKeyOf(coach.displayName),
    payoutsReady: canBePaid(coach.payoutAccount),
    visibility: ctx.publicRead ? "public" : "signed-in",
  });
}

/**
 * The currencies a price range may be combined with a specialty or language in: each needs its
 * own composite index (facets, priceFrom.<currency>) in firestore.indexes.json. A price range
 * alone works in any currency (Firestore's automatic single-field index).
 */
export const FACETED_PRICE_CURRENCIES = ["eur", "usd", "gbp"] as const;

export interface CatalogFilters {
  specialty?: string | undefined;
  language?: string | undefined;
  currency?: string | undefined;
  minPriceCents?: number | undefined;
  maxPriceCents?: number | undefined;
}

/** The one query listCoaches runs: at most one array-contains, one ordered field, then the document id. */
export interface CatalogQueryPlan {
  facet: string | null;
  orderField: "sortKey" | `priceFrom.${string}`;
  minPriceCents?: number;
  maxPriceCents?: number;
}

/** The query for these filters, or why they cannot be served. */
export function catalogQueryPlan(filters: CatalogFilters): CatalogQueryPlan | { refusal: string } {
  const { minPriceCents: min, maxPriceCents: max, currency } = filters;
  if (min === undefined && max === undefined) {
    return { facet: facetKey(filters), orderField: "sortKey" };
  }
  if (currency === undefined) return { refusal: "A price range needs a currency." };
  if (min !== undefined && max !== undefined && min > max) return { refusal: "minPriceCents must not exceed maxPriceCents." };
  // The price field exists only for coaches with an offering in that currency: no currency facet needed.
  const facet = facetKey({ language: filters.language, specialty: filters.specialty });
  if (facet !== null && !(FACETED_PRICE_CURRENCIES as readonly string[]).includes(currency)) {
    return {
      refusal: `A price range together with a specialty or language is offered in ${FACETED_PRICE_CURRENCIES.join(", ")} only; filter by price alone in ${currency}.`,
    };
  }
  return {
    facet,
    orderField: `priceFrom.${currency}`,
    ...(min !== undefined ? { minPriceCents: min } : {}),
    ...(max !== undefined ? { maxPriceCents: max } : {}),
  };
}

/** Where the next page starts: the last document's order value and id, for this query only. */
const CursorSchema = z.object({ q: z.string(), o: z.union([z.string(), z.int()]), id: z.string().min(1).max(128) }).strict();
export type CatalogCursor = z.output<typeof CursorSchema>;

/** Names a plan, so that a page token is refused by another query. */
export function planKey(plan: CatalogQueryPlan): string {
  return [plan.facet ?? "", plan.orderField, plan.minPriceCents ?? "", plan.maxPriceCents ?? ""].join("/");
}

export function encodeCursor(cursor: CatalogCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

/** The cursor in a page token, or null when the token is not one of ours for this query. */
export function decodeCursor(token: string, plan: CatalogQueryPlan): CatalogCursor | null {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  const parsed = CursorSchema.safeParse(raw);
  if (!parsed.success || parsed.data.q !== planKey(plan)) return null;
  const wantsNumber = plan.orderField !== "sortKey";
  return typeof parsed.data.o === (wantsNumber ? "number" : "string") ? parsed.data : null;
}
