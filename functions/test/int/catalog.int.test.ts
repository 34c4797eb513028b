import { beforeAll, describe, expect, it } from "vitest";
import { syncOfferingEventTypes } from "../../src/core/event-types/event-type-sync.js";
import type { PublicCoach } from "../../src/domain/catalog.js";
import { syncAvailability } from "../../src/features/availability/availability.service.js";
import { refreshPublicCoach } from "../../src/features/catalog/catalog.projection.js";
import { saveCoachProfile } from "../../src/features/catalog/catalog.service.js";
import { saveCancellationPolicy } from "../../src/features/money/money.service.js";
import { saveOffering } from "../../src/features/offerings/offerings.service.js";
import { eraseAccount } from "../../src/features/personal-data/deletion.service.js";
import { bookingDoc, coachDoc, getDb, publicCoachDoc, publicCoachesCollection } from "../../src/shared/firestore.js";
import { uniqueId } from "../helpers/admin.js";
import { ensureAuthUsers, invoke, useDeployedCodeWithGuardsReset, type Caller } from "../helpers/callables.js";
import { testDependencies } from "../helpers/deps.js";
import { useStandIns } from "../helpers/in-process.js";

/**
 * The public catalog end to end, in-process: coaches set up and synced with the Cal.com stand-in,
 * their catalog documents projected (the trigger's work, run here by hand: emulated triggers do
 * not fire in this project), and a student who finds, compares and books a coach through the
 * callables alone, never reading a coach document.
 */
const standIns = useStandIns();
useDeployedCodeWithGuardsReset(standIns);

const EVERY_DAY = (["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] as const).map((day) => ({
  day,
  startTime: "00:00",
  endTime: "23:59",
}));

interface OfferingSpec {
  id: string;
  priceCents: number;
  currency: string;
  durationMinutes?: number;
}
interface CoachSpec {
  name: string;
  languages: string[];
  specialties: string[];
  offerings: OfferingSpec[];
  published?: boolean;
}

const student: Caller = { uid: uniqueId("student") };
const admin: Caller = { uid: uniqueId("admin"), admin: true };
let deps: ReturnType<typeof testDependencies>;

/** A coach synced in Cal.com (organization mode), their offerings linked to event types, their profile saved, projected. */
async function makeCoach(spec: CoachSpec): Promise<string> {
  const coachId = uniqueId("coach");
  const caller = { uid: coachId, isAdmin: false };
  await syncAvailability({ coachId, availability: { timeZone: "Europe/Paris", slots: EVERY_DAY } }, caller, deps);
  for (const o of spec.offerings) {
    const offering = { title: `${o.id} session`, durationMinutes: o.durationMinutes ?? 60, ...o };
    await saveOffering({ offering }, caller);
  }
  await syncOfferingEventTypes(coachId, deps);
  await saveCoachProfile(
    {
      displayName: spec.name,
      headline: `${spec.name} coaches ${spec.specialties.join(" and ")}`,
      bio: `About ${spec.name}.`,
      photoUrl: `https://img.example.com/${coachId}.jpg`,
      languages: spec.languages,
      specialties: spec.specialties,
      published: spec.published ?? true,
    },
    caller,
  );
  await refreshPublicCoach(coachId);
  return coachId;
}

async function call(name: "listCoaches" | "getCoach" | "setCoachListing", data: unknown, caller: Caller | null = student) {
  const out = await invoke(name, data, caller);
  if (!out.ok) throw new Error(`${name}: ${out.code} ${out.message}`);
  return out.value;
}

interface Page {
  coaches: Array<Omit<PublicCoach, "facets" | "sortKey" | "visibility">>;
  nextPageToken: string | null;
}

/** Every page of a listing, following the tokens. */
async function allPages(filters: Record<string, unknown>, pageSize: number): Promise<Page["coaches"][]> {
  const pages: Page["coaches"][] = [];
  let pageToken: string | undefined;
  do {
    const page = (await call("listCoaches", { ...filters, pageSize, ...(pageToken ? { pageToken } : {}) })) as Page;
    pages.push(page.coaches);
    pageToken = page.nextPageToken ?? undefined;
    expect(pages.length).toBeLessThan(50);
  } while (pageToken !== undefined);
  return pages;
}

const names = (pages: Page["coaches"][]) => pages.flat().map((c) => c.displayName);

const ids: Record<string, string> = {};

describe("the public catalog", () => {
  beforeAll(async () => {
    deps = testDependencies(standIns.calcom, { stripe: standIns.stripe });
    await ensureAuthUsers([student.uid]);
    const listed: CoachSpec[] = [
      {
        name: "Ada",
        languages: ["en"],
        specialties: ["yoga"],
        offerings: [
          { id: "sixty", priceCents: 6_000, currency: "eur" },
          { id: "thirty", priceCents: 3_500, currency: "eur", durationMinutes: 30 },
        ],
      },
      {
        name: "Bruno",
        languages: ["pt-br", "en"],
        specialties: ["running", "yoga"],
        offerings: [
          { id: "long", priceCents: 9_000, currency: "eur", durationMinutes: 90 },
          { id: "intro", priceCents: 5_000, currency: "usd" },
        ],
      },
      { name: "Chen", languages: ["en"], specialties: ["yoga"], offerings: [{ id: "sixty", priceCents: 3_000, currency: "usd" }] },
      { name: "Dalia", languages: ["fr"], specialties: ["career"], offerings: [{ id: "sixty", priceCents: 4_500, currency: "eur" }] },
      {
        name: "Émile",
        languages: ["fr", "en"],
        specialties: ["yoga", "career"],
        offerings: [{ id: "sixty", priceCents: 4_500, currency: "eur" }],
      },
      { name: "Farah", languages: ["en"], specialties: ["running"], offerings: [{ id: "sixty", priceCents: 2_000, currency: "gbp" }] },
      { name: "Gus", languages: ["en"], specialties: ["yoga"], offerings: [{ id: "sixty", priceCents: 4_500, currency: "eur" }] },
    ];
    for (const spec of listed) ids[spec.name] = await makeCoach(spec);
    // Wants no listing.
    ids.Hidden = await makeCoach({
      name: "Hidden",
      languages: ["en"],
      specialties: ["yoga"],
      offerings: [{ id: "sixty", priceCents: 4_000, currency: "eur" }],
      published: false,
    });
    // Unpublished by an admin.
    ids.Banned = await makeCoach({
      name: "Banned",
      languages: ["en"],
      specialties: ["yoga"],
      offerings: [{ id: "sixty", priceCents: 4_000, currency: "eur" }],
    });
    await call("setCoachListing", { coachId: ids.Banned, unpublished: true, reason: "Reported profile" }, admin);
    // Published, with a bookable-looking offering, but never synced with Cal.com.
    ids.Unsynced = uniqueId("coach");
    await coachDoc(ids.Unsynced).set({
      displayName: "Unsynced",
      timeZone: "UTC",
      calcomUserId: null,
      calcomScheduleId: null,
      calcomMode: null,
      payoutAccount: null,
      availabilitySlots: [],
      customOfferings: [{ id: "sixty", title: "60", durationMinutes: 60, priceCents: 4_000, currency: "eur", calcomEventTypeId: 77 }],
      eventTypeSyncError: null,
      profile: { headline: "", bio: "", photoUrl: null, languages: ["en"], specialties: ["yoga"], published: true },
      listing: { approval: null, unpublished: null },
    });
    await refreshPublicCoach(ids.Unsynced);
  }, 120_000);

  const LISTED = ["Ada", "Bruno", "Chen", "Dalia", "Émile", "Farah", "Gus"];

  it("a student books from what the catalog says alone: slots of its event type, then a booking of its offering (first: the Cal.com stand-in is reset after each test)", async () => {
    const [found] = ((await call("listCoaches", { specialty: "yoga", language: "en", currency: "eur", pageSize: 1 })) as Page).coaches;
    const offering = found?.offerings.find((o) => o.offeringId === "sixty");
    if (!found || !offering) throw new Error("no coach found");
    const slots = await invoke(
      "getAvailableSlots",
      { coachId: found.coachId, eventTypeId: offering.eventTypeId, dateFrom: "2030-01-08", dateTo: "2030-01-08", timeZone: "UTC" },
      student,
    );
    if (!slots.ok) throw new Error(slots.message);
    const slot = (slots.value as { slots: Array<{ start: string; end: string }> }).slots[0];
    if (!slot) throw new Error("no slot");
    expect(Date.parse(slot.end) - Date.parse(slot.start)).toBe(offering.durationMinutes * 60_000);
    const booked = await invoke(
      "createBooking",
      {
        coachId: found.coachId,
        offeringId: offering.offeringId,
        eventTypeId: offering.eventTypeId,
        userId: student.uid,
        startTime: slot.start,
        endTime: slot.end,
      },
      student,
    );
    if (!booked.ok) throw new Error(booked.message);
    const booking = (await bookingDoc((booked.value as { bookingId: string }).bookingId).get()).data();
    expect(booking).toMatchObject({
      coachId: found.coachId,
      offeringId: "sixty",
      amountCents: offering.priceCents,
      currency: offering.currency,
    });
  });

  it("pages through every listed coach in name order, each once, the same way twice; the unlisted are absent", async () => {
    const pages = await allPages({}, 2);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1]);
    expect(names(pages)).toEqual(LISTED);
    expect(await allPages({}, 2)).toEqual(pages);
    expect(names(await allPages({}, 50))).toEqual(LISTED);
  });

  it("filters by specialty, language, currency and their combinations", async () => {
    expect(names(await allPages({ specialty: "yoga" }, 2))).toEqual(["Ada", "Bruno", "Chen", "Émile", "Gus"]);
    expect(names(await allPages({ language: "pt-br" }, 2))).toEqual(["Bruno"]);
    expect(names(await allPages({ currency: "USD" }, 2))).toEqual(["Bruno", "Chen"]);
    expect(names(await allPages({ specialty: "yoga", language: "fr" }, 2))).toEqual(["Émile"]);
    expect(names(await allPages({ specialty: "yoga", language: "en", currency: "eur" }, 1))).toEqual(["Ada", "Bruno", "Émile", "Gus"]);
    expect(names(await allPages({ specialty: "knitting" }, 2))).toEqual([]);
  });

  it("filters by the lowest price in a currency (sessions from), cheapest first, ties by id, on every page", async () => {
    const pages = await allPages({ currency: "eur", minPriceCents: 3_500, maxPriceCents: 6_000 }, 2);
    const found = pages.flat();
    expect(found.map((c) => c.priceFrom.eur)).toEqual([3_500, 4_500, 4_500, 4_500]);
    expect(found[0]?.displayName).toBe("Ada");
    const tied = [ids.Dalia, ids["Émile"], ids.Gus].sort();
    expect(found.slice(1).map((c) => c.coachId)).toEqual(tied);
    expect(names(await allPages({ currency: "eur", minPriceCents: 5_000, specialty: "yoga" }, 1))).toEqual(["Bruno"]);
    expect(names(await allPages({ currency: "usd", maxPriceCents: 4_000, language: "en" }, 1))).toEqual(["Chen"]);
    expect(names(await allPages({ currency: "gbp", maxPriceCents: 2_000 }, 1))).toEqual(["Farah"]);
  });

  it("refuses a price without a currency, an unindexed currency with a facet, and a foreign or forged page token", async () => {
    const refused = async (data: unknown) => {
      const out = await invoke("listCoaches", data, student);
      return out.ok ? "ok" : `${out.code}: ${out.message}`;
    };
    expect(await refused({ minPriceCents: 100 })).toBe("invalid-argument: A price range needs a currency.");
    expect(await refused({ currency: "jpy", minPriceCents: 100, specialty: "yoga" })).toMatch(/^invalid-argument: .*eur, usd, gbp/);
    expect(await refused({ currency: "jpy", minPriceCents: 100 })).toBe("ok");
    const page = (await call("listCoaches", { pageSize: 1 })) as Page;
    expect(await refused({ specialty: "yoga", pageSize: 1, pageToken: page.nextPageToken })).toMatch(/^invalid-argument: This pageToken/);
    expect(await refused({ pageToken: "bm90LWEtdG9rZW4" })).toMatch(/^invalid-argument/);
    expect(await refused({ pageSize: 51 })).toMatch(/^invalid-argument/);
  });

  it("getCoach answers a listed coach's offerings, prices and rules, and not-found for every unlisted one", async () => {
    await saveCancellationPolicy(
      {
        tiers: [
          { minNoticeHours: 48, refundPercent: 100 },
          { minNoticeHours: 0, refundPercent: 25 },
        ],
      },
      { uid: ids.Ada ?? "", isAdmin: false },
    );
    await refreshPublicCoach(ids.Ada ?? "");
    const ada = (await call("getCoach", { coachId: ids.Ada })) as Page["coaches"][number];
    expect(ada).toMatchObject({
      displayName: "Ada",
      languages: ["en"],
      specialties: ["yoga"],
      timeZone: "Europe/Paris",
      priceFrom: { eur: 3_500 },
    });
    expect(ada.offerings.map((o) => [o.offeringId, o.priceCents, o.currency, o.durationMinutes])).toEqual([
      ["sixty", 6_000, "eur", 60],
      ["thirty", 3_500, "eur", 30],
    ]);
    expect(ada.offerings[0]?.cancellationPolicy.summary).toBe("Full refund up to 48 h before; 25 % after, up to the start");
    expect(ada.offerings[0]?.limits).toEqual({ minimumNoticeMinutes: 120, bookingWindowDays: null, studentCutoffMinutes: 0 });
    expect(Object.keys(ada).sort()).toEqual([
      "bio",
      "coachId",
      "displayName",
      "headline",
      "languages",
      "offerings",
      "payoutsReady",
      "photoUrl",
      "priceFrom",
      "specialties",
      "timeZone",
    ]);
    // Ada never set up payouts: bookable all the same, shown as not yet payable.
    expect(ada.payoutsReady).toBe(false);
    for (const name of ["Hidden", "Banned", "Unsynced"]) {
      const out = await invoke("getCoach", { coachId: ids[name] }, student);
      expect(out.ok ? "ok" : out.code, name).toBe("not-found");
      expect((await publicCoachDoc(ids[name] ?? "").get()).exists, name).toBe(false);
    }
  });

  it("no private field of any coach appears anywhere in any catalog document", async () => {
    const docs = (await publicCoachesCollection().get()).docs;
    expect(docs.map((d) => d.data().displayName).sort()).toEqual([...LISTED].sort());
    for (const doc of docs) {
      const coach = (await coachDoc(doc.id).get()).data();
      if (!coach) throw new Error("coach missing");
      const text = JSON.stringify(doc.data());
      // Strings: none of the coach's private ones, nor any email address.
      const privateStrings = [coach.calcomMode ?? "", ...coach.availabilitySlots.flatMap((s) => [s.startTime, s.endTime])];
      for (const value of privateStrings) expect(text, `${value} in ${doc.id}`).not.toContain(JSON.stringify(value));
      expect(text).not.toContain("@");
      // Numbers (small ids may equal a price or an hour by chance): no field holds the Cal.com user or schedule id.
      expect(coach.calcomUserId).not.toBeNull();
      for (const [key, value] of Object.entries(doc.data())) {
        if (typeof value === "number") expect([coach.calcomUserId, coach.calcomScheduleId], key).not.toContain(value);
      }
      expect(text).not.toMatch(/calcomUserId|calcomScheduleId|calcomMode|email|availabilitySlots|eventTypeSyncError|listing/);
    }
  });

  it("an admin unpublishes and restores a coach; only an admin may", async () => {
    const gus = ids.Gus ?? "";
    expect(await invoke("setCoachListing", { coachId: gus, unpublished: true }, student)).toMatchObject({
      ok: false,
      code: "permission-denied",
    });
    expect(await call("setCoachListing", { coachId: gus, unpublished: true, reason: "Photo under review" }, admin)).toMatchObject({
      listed: false,
      catalog: "deleted",
    });
    const listing = (await coachDoc(gus).get()).data()?.listing;
    expect(listing?.unpublished).toMatchObject({ by: admin.uid, reason: "Photo under review" });
    expect(names(await allPages({}, 50))).not.toContain("Gus");
    expect(await call("setCoachListing", { coachId: gus, unpublished: false }, admin)).toMatchObject({ listed: true, catalog: "written" });
    expect(names(await allPages({}, 50))).toContain("Gus");
  });

  it("with the approval switch on, a coach is held until an admin approves", async () => {
    process.env.CATALOG_APPROVAL_REQUIRED = "true";
    try {
      const id = await makeCoach({
        name: "Newcomer",
        languages: ["en"],
        specialties: ["yoga"],
        offerings: [{ id: "sixty", priceCents: 4_000, currency: "eur" }],
      });
      expect((await publicCoachDoc(id).get()).exists).toBe(false);
      expect(await call("setCoachListing", { coachId: id, approved: true }, admin)).toMatchObject({ listed: true });
      expect((await coachDoc(id).get()).data()?.listing.approval?.by).toBe(admin.uid);
      expect(await call("setCoachListing", { coachId: id, approved: false }, admin)).toMatchObject({ listed: false });
      await getDb().recursiveDelete(coachDoc(id));
    } finally {
      process.env.CATALOG_APPROVAL_REQUIRED = "false";
    }
  });

  it("anonymous callers are refused unless CATALOG_PUBLIC_READ, which marks documents public at their next rewrite", async () => {
    const ada = ids.Ada ?? "";
    expect(await invoke("listCoaches", {}, null)).toMatchObject({ ok: false, code: "unauthenticated" });
    expect(await invoke("getCoach", { coachId: ada }, null)).toMatchObject({ ok: false, code: "unauthenticated" });
    process.env.CATALOG_PUBLIC_READ = "true";
    try {
      expect((await invoke("listCoaches", { pageSize: 50 }, null)).ok).toBe(true);
      expect((await publicCoachDoc(ada).get()).data()?.visibility).toBe("signed-in");
      expect(await call("setCoachListing", { coachId: ada }, admin)).toMatchObject({ catalog: "written" });
      expect((await publicCoachDoc(ada).get()).data()?.visibility).toBe("public");
      // Nothing else changed: a second rewrite writes nothing.
      expect(await refreshPublicCoach(ada)).toBe("unchanged");
    } finally {
      process.env.CATALOG_PUBLIC_READ = "false";
    }
    expect(await refreshPublicCoach(ada)).toBe("written");
  });

  it("follows the coach's changes: a new price moves their place in a price listing", async () => {
    const dalia = ids.Dalia ?? "";
    await saveOffering(
      { offering: { id: "sixty", title: "sixty session", durationMinutes: 60, priceCents: 2_500, currency: "eur" } },
      { uid: dalia, isAdmin: false },
    );
    expect(await refreshPublicCoach(dalia)).toBe("written");
    const [first] = ((await call("listCoaches", { currency: "eur", minPriceCents: 0, pageSize: 1 })) as Page).coaches;
    expect(first).toMatchObject({ displayName: "Dalia", priceFrom: { eur: 2_500 } });
  });

  it("a deleted coach account leaves the catalog and its profile text is erased", async () => {
    const farah = ids.Farah ?? "";
    await eraseAccount(farah, "admin", deps);
    expect((await publicCoachDoc(farah).get()).exists).toBe(false);
    expect((await coachDoc(farah).get()).data()?.profile).toMatchObject({ headline: "", bio: "", photoUrl: null, published: false });
    expect(await refreshPublicCoach(farah)).toBe("unchanged");
  });
});
