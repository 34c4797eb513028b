import { describe, expect, it } from "vitest";
import {
  FACETED_PRICE_CURRENCIES,
  catalogQueryPlan,
  decodeCursor,
  describePolicy,
  encodeCursor,
  facetsOf,
  planKey,
  projectPublicCoach,
  unlistedReason,
  type CatalogQueryPlan,
  type ListingContext,
} from "./catalog.js";
import { CoachSchema, type Coach } from "./coach.js";
import { DEFAULT_CANCELLATION_POLICY } from "./policy.js";

const LISTED: ListingContext = { approvalRequired: false, publicRead: false, deleted: false };

/** A listed coach with every field of CoachSchema set, the private ones to values found nowhere else. */
function fullCoach(): Coach {
  return CoachSchema.parse({
    displayName: "Ada Lovelace",
    timeZone: "Europe/Paris",
    calcomUserId: 918_273,
    calcomScheduleId: 827_364,
    calcomMode: "connected",
    availabilitySlots: [{ day: "wednesday", startTime: "07:13", endTime: "11:47" }],
    customOfferings: [
      {
        id: "sixty",
        title: "60 min",
        durationMinutes: 60,
        priceCents: 6_000,
        currency: "eur",
        calcomEventTypeId: 4_001,
        schedulingLimits: { minimumNoticeMinutes: 240, bufferAfterMinutes: 37 },
      },
      { id: "thirty", title: "30 min", durationMinutes: 30, priceCents: 3_500, currency: "eur", calcomEventTypeId: 4_002 },
      { id: "intro", title: "Intro (USD)", durationMinutes: 45, priceCents: 4_900, currency: "usd", calcomEventTypeId: 4_003 },
      // Not bookable yet (no event type): not in the catalog.
      { id: "draft", title: "Draft offer", durationMinutes: 90, priceCents: 100, currency: "gbp", calcomEventTypeId: null },
    ],
    cancellationPolicy: {
      version: 3,
      tiers: [
        { minNoticeHours: 48, refundPercent: 100 },
        { minNoticeHours: 0, refundPercent: 0 },
      ],
    },
    schedulingLimits: { bookingWindowDays: 30, studentCutoffMinutes: 180, maxUnpaidHoldsPerCoach: 7, slotIntervalMinutes: 25 },
    eventTypeSyncError: { code: "calcom/private-sync-failure", message: "private sync message for ada@example.com" },
    platformFee: { basisPoints: 1_234, fixedCents: { eur: 77_123 } },
    payoutAccount: {
      accountId: "acct_privateAda",
      detailsSubmitted: true,
      chargesEnabled: true,
      payoutsEnabled: true,
      transfersActive: true,
      requirementsDue: ["private.requirement.due"],
      disabledReason: "private-disabled-reason",
      eventCreated: 918_555,
      updatedAt: "2030-01-03T04:05:06.000Z",
    },
    profile: {
      headline: "Yoga for runners",
      bio: "Twenty years on the mat.",
      photoUrl: "https://img.example.com/ada.jpg",
      languages: ["en", "pt-br"],
      specialties: ["yoga", "running"],
      published: true,
    },
    listing: {
      approval: { by: "admin-private-uid-1", at: "2030-01-02T03:04:05.000Z" },
      unpublished: null,
    },
  });
}

/** Every key and leaf value of a JSON-like value. */
function walk(value: unknown, out: { keys: string[]; leaves: unknown[] } = { keys: [], leaves: [] }) {
  if (Array.isArray(value)) for (const v of value) walk(v, out);
  else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      out.keys.push(k);
      walk(v, out);
    }
  } else out.leaves.push(value);
  return out;
}

describe("projectPublicCoach: no private data", () => {
  // The coach fields a public document is built from; every other field of CoachSchema is private.
  const PUBLIC_SOURCES = ["displayName", "timeZone", "customOfferings", "cancellationPolicy", "schedulingLimits", "profile"];

  it("the fixture sets every private field of CoachSchema (a new private field must be added here)", () => {
    const coach = fullCoach() as Record<string, unknown>;
    for (const key of Object.keys(CoachSchema.shape)) {
      if (PUBLIC_SOURCES.includes(key)) continue;
      expect(coach[key], key).not.toBeNull();
      expect(coach[key], key).not.toBeUndefined();
    }
  });

  it("no private value, and no key naming one, appears in any field of the public document", () => {
    const coach = fullCoach();
    const doc = projectPublicCoach("coach-1", coach, LISTED);
    expect(doc).not.toBeNull();
    const { keys, leaves } = walk(doc);
    const text = JSON.stringify(doc);
    // The private values, read from the fixture itself (each leaf of each private field), plus the
    // draft offering's and the buffers' and holds' settings that students are not shown.
    const privateCoach = Object.fromEntries(Object.entries(coach).filter(([k]) => !PUBLIC_SOURCES.includes(k)));
    // Yes/no values name nothing (payoutsReady is a public yes/no derived from the payout account).
    const privateLeaves = walk(privateCoach).leaves.filter((v) => v !== null && typeof v !== "boolean");
    expect(privateLeaves).toEqual(
      expect.arrayContaining([
        918_273,
        827_364,
        "connected",
        "07:13",
        "admin-private-uid-1",
        "private sync message for ada@example.com",
        "acct_privateAda",
        77_123,
      ]),
    );
    privateLeaves.push("Draft offer", 37, 7, 25);
    for (const secret of privateLeaves) {
      expect(leaves, `private value ${JSON.stringify(secret)} in a field`).not.toContain(secret);
      // Nor inside any text: the fixture's private strings and long numbers are found nowhere by chance.
      const asText = typeof secret === "string" ? secret : typeof secret === "number" && secret >= 10_000 ? String(secret) : null;
      if (asText !== null) expect(text, `private text ${asText}`).not.toContain(asText);
    }
    for (const key of keys)
      expect(key, key).not.toMatch(/calcom|email|credential|availability|sync|schedule[^d]|listing|approval|buffer|hold/i);
  });
});

describe("projectPublicCoach", () => {
  it("lists the bookable offerings with their effective policy in words and the limits a student cares about", () => {
    const doc = projectPublicCoach("coach-1", fullCoach(), LISTED);
    expect(doc?.offerings.map((o) => [o.offeringId, o.eventTypeId])).toEqual([
      ["sixty", 4_001],
      ["thirty", 4_002],
      ["intro", 4_003],
    ]);
    expect(doc?.offerings[0]?.cancellationPolicy.summary).toBe("Full refund up to 48 h before; no refund after");
    // The offering's notice over the coach's window and cut-off over the defaults.
    expect(doc?.offerings[0]?.limits).toEqual({ minimumNoticeMinutes: 240, bookingWindowDays: 30, studentCutoffMinutes: 180 });
    expect(doc?.offerings[1]?.limits.minimumNoticeMinutes).toBe(120);
    expect(doc?.priceFrom).toEqual({ eur: 3_500, usd: 4_900 });
    expect(doc?.sortKey).toBe("ada lovelace");
    expect(doc?.visibility).toBe("signed-in");
    expect(projectPublicCoach("coach-1", fullCoach(), { ...LISTED, publicRead: true })?.visibility).toBe("public");
  });

  it("uses the marketplace default policy when neither coach nor offering has one", () => {
    const coach = { ...fullCoach(), cancellationPolicy: undefined };
    expect(projectPublicCoach("c", coach, LISTED)?.offerings[0]?.cancellationPolicy).toEqual({
      summary: "Full refund up to 24 h before; 50 % up to 2 h before; no refund after",
      tiers: DEFAULT_CANCELLATION_POLICY.tiers,
    });
  });
});

describe("unlistedReason: listed only while every condition holds", () => {
  const base = fullCoach();
  it.each<[string, Coach, Partial<ListingContext>]>([
    ["not-published", { ...base, profile: { ...base.profile, published: false } }, {}],
    [
      "unpublished-by-admin",
      { ...base, listing: { ...base.listing, unpublished: { by: "a", at: "2030-01-01T00:00:00.000Z", reason: "" } } },
      {},
    ],
    ["not-approved", { ...base, listing: { ...base.listing, approval: null } }, { approvalRequired: true }],
    ["not-synced", { ...base, calcomScheduleId: null }, {}],
    ["not-synced", { ...base, calcomUserId: null }, {}],
    ["no-bookable-offering", { ...base, customOfferings: base.customOfferings.map((o) => ({ ...o, calcomEventTypeId: null })) }, {}],
    ["account-deleted", base, { deleted: true }],
  ])("%s", (reason, coach, ctx) => {
    expect(unlistedReason(coach, { ...LISTED, ...ctx })).toBe(reason);
    expect(projectPublicCoach("c", coach, { ...LISTED, ...ctx })).toBeNull();
  });

  it("an approved coach is listed with the switch on; approval is not needed with it off", () => {
    expect(unlistedReason(base, { ...LISTED, approvalRequired: true })).toBeNull();
    expect(unlistedReason({ ...base, listing: { approval: null, unpublished: null } }, LISTED)).toBeNull();
  });

  it("an old coach document (no profile, no listing) reads with defaults and is not listed", () => {
    const old = CoachSchema.parse({ timeZone: "UTC", calcomUserId: 1, calcomScheduleId: 2 });
    expect(old.profile).toEqual({ headline: "", bio: "", photoUrl: null, languages: [], specialties: [], published: false });
    expect(unlistedReason(old, LISTED)).toBe("not-published");
  });
});

describe("describePolicy", () => {
  it.each([
    [[{ minNoticeHours: 0, refundPercent: 0 }], "No refund"],
    [[{ minNoticeHours: 0, refundPercent: 100 }], "Full refund up to the start"],
    [[{ minNoticeHours: 0, refundPercent: 30 }], "30 % up to the start"],
    [
      [
        { minNoticeHours: 12, refundPercent: 80 },
        { minNoticeHours: 0.5, refundPercent: 40 },
        { minNoticeHours: 0, refundPercent: 10 },
      ],
      "80 % up to 12 h before; 40 % up to 0.5 h before; 10 % after, up to the start",
    ],
  ])("%j → %s", (tiers, words) => {
    expect(describePolicy({ version: 1, tiers })).toBe(words);
  });
});

describe("facetsOf", () => {
  it("every non-empty combination of at most one of each, in canonical order", () => {
    expect(facetsOf(["eur"], ["en"], ["yoga"]).sort()).toEqual([
      "c:eur",
      "c:eur|l:en",
      "c:eur|l:en|s:yoga",
      "c:eur|s:yoga",
      "l:en",
      "l:en|s:yoga",
      "s:yoga",
    ]);
    expect(facetsOf([], [], [])).toEqual([]);
    expect(facetsOf(["eur", "usd"], ["en", "fr"], ["a", "b", "c"])).toHaveLength(3 * 3 * 4 - 1);
  });
});

describe("catalogQueryPlan", () => {
  it("without a price: the facet of the filters, ordered by sort key", () => {
    expect(catalogQueryPlan({})).toEqual({ facet: null, orderField: "sortKey" });
    expect(catalogQueryPlan({ specialty: "yoga", currency: "eur", language: "en" })).toEqual({
      facet: "c:eur|l:en|s:yoga",
      orderField: "sortKey",
    });
  });

  it("with a price: ordered by the currency's lowest price, the currency implied by the field", () => {
    expect(catalogQueryPlan({ currency: "eur", minPriceCents: 1_000, language: "en" })).toEqual({
      facet: "l:en",
      orderField: "priceFrom.eur",
      minPriceCents: 1_000,
    });
    expect(catalogQueryPlan({ currency: "jpy", maxPriceCents: 5_000 })).toEqual({
      facet: null,
      orderField: "priceFrom.jpy",
      maxPriceCents: 5_000,
    });
  });

  it("refuses a price without a currency, an empty range, and a faceted price range outside the indexed currencies", () => {
    expect(catalogQueryPlan({ minPriceCents: 1 })).toEqual({ refusal: "A price range needs a currency." });
    expect(catalogQueryPlan({ currency: "eur", minPriceCents: 2, maxPriceCents: 1 })).toHaveProperty("refusal");
    expect(catalogQueryPlan({ currency: "jpy", minPriceCents: 1, specialty: "yoga" })).toHaveProperty("refusal");
    for (const currency of FACETED_PRICE_CURRENCIES)
      expect(catalogQueryPlan({ currency, minPriceCents: 1, specialty: "yoga" })).not.toHaveProperty("refusal");
  });
});

describe("page cursors", () => {
  const byName: CatalogQueryPlan = { facet: "s:yoga", orderField: "sortKey" };
  const byPrice: CatalogQueryPlan = { facet: null, orderField: "priceFrom.eur", minPriceCents: 0 };

  it("round-trips for its own query only", () => {
    const token = encodeCursor({ q: planKey(byName), o: "ada", id: "coach-1" });
    expect(decodeCursor(token, byName)).toEqual({ q: planKey(byName), o: "ada", id: "coach-1" });
    expect(decodeCursor(token, { ...byName, facet: "s:running" })).toBeNull();
  });

  it("refuses garbage, a wrong order value type and extra fields", () => {
    expect(decodeCursor("not a token", byName)).toBeNull();
    expect(decodeCursor(Buffer.from("[1,2]").toString("base64url"), byName)).toBeNull();
    expect(decodeCursor(encodeCursor({ q: planKey(byPrice), o: "ada", id: "c" }), byPrice)).toBeNull();
    expect(
      decodeCursor(Buffer.from(JSON.stringify({ q: planKey(byName), o: "a", id: "c", x: 1 })).toString("base64url"), byName),
    ).toBeNull();
  });
});
