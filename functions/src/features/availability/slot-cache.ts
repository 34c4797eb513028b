import { createHash } from "node:crypto";
import type { Interval } from "../../domain/availability.js";
import { getDb, rawSlotCacheDoc, slotCacheDoc } from "../../shared/firestore.js";
import type { SlotCacheEntry } from "../../shared/firestore-records.js";
import { calendarFreedVersion } from "../../core/calendar.repository.js";

/**
 * Cal.com's slots, shared by every student who asks for the same coach, event type, range and
 * zone, in Firestore (not memory: each function instance, and each emulator worker, has its own
 * memory, and the point is one Cal.com call however many instances answer). An entry is fresh for
 * SLOT_CACHE_TTL_MS and while no interval of the coach has been given back since the fetch (the
 * `freedVersion` of `coachCalendars/{coachId}`, moved by cancellations, released holds and moves,
 * ours or ones Cal.com told us of), so a freed slot shows at once. A taken slot needs no fetch:
 * every answer subtracts our live bookings. One caller at a time fetches (a short claim on the
 * entry); the others wait for its answer.
 */
export const SLOT_CACHE_TTL_MS = 30_000;
const CLAIM_MS = 5_000;
const POLL_MS = 100;

export function slotCacheKey(input: {
  coachId: string;
  eventTypeId: number;
  from: string;
  to: string;
  timeZone: string;
  bookingUidToReschedule?: string | undefined;
}): string {
  const raw = `${input.coachId}|${input.eventTypeId}|${input.from}|${input.to}|${input.timeZone}${input.bookingUidToReschedule !== undefined ? `|${input.bookingUidToReschedule}` : ""}`;
  return `${input.coachId}_${createHash("sha256").update(raw).digest("hex").slice(0, 32)}`;
}

async function readEntry(key: string): Promise<SlotCacheEntry | null> {
  return (await slotCacheDoc(key).get()).data() ?? null;
}

export interface CachedSlots {
  slots: Interval[];
  source: "calcom" | "cache";
  /** How old the answer is, in whole seconds (0 for one fetched by this call). */
  ageSeconds: number;
}

const inflight = new Map<string, Promise<CachedSlots>>();

/**
 * Slots for `key`: a fresh cached entry, or one fetch by `fetch` shared by every concurrent
 * caller (in this instance through memory, across instances through the claim). When the fetch
 * fails, a cached entry of any age is answered (marked `cache`, with its age) if there is one;
 * otherwise the error goes to the caller.
 */
export function cachedSlots(key: string, coachId: string, nowMs: () => number, fetch: () => Promise<Interval[]>): Promise<CachedSlots> {
  const running = inflight.get(key);
  if (running) return running;
  const work = load(key, coachId, nowMs, fetch).finally(() => inflight.delete(key));
  inflight.set(key, work);
  return work;
}

async function load(key: string, coachId: string, nowMs: () => number, fetch: () => Promise<Interval[]>): Promise<CachedSlots> {
  const isFresh = async (e: SlotCacheEntry | null): Promise<boolean> =>
    e !== null &&
    e.fetchedAtMs !== null &&
    nowMs() - e.fetchedAtMs < SLOT_CACHE_TTL_MS &&
    e.freedVersion === (await calendarFreedVersion(coachId));
  const answer = (e: SlotCacheEntry): CachedSlots => ({
    slots: e.slots,
    source: "cache",
    ageSeconds: Math.floor((nowMs() - (e.fetchedAtMs ?? nowMs())) / 1000),
  });
  const entry = await readEntry(key);
  if (entry && (await isFresh(entry))) return answer(entry);

  const claimed = await getDb().runTransaction(async (tx) => {
    const current = (await tx.get(slotCacheDoc(key))).data();
    if (current?.claimUntilMs != null && current.claimUntilMs > nowMs()) return false;
    // Merged (and with the coach, which the entry's schema does not read): the raw reference.
    tx.set(rawSlotCacheDoc(key), { coachId, claimUntilMs: nowMs() + CLAIM_MS }, { merge: true });
    return true;
  });
  if (!claimed) {
    // Someone else is fetching: wait for their answer rather than call Cal.com a second time.
    const deadline = nowMs() + CLAIM_MS;
    while (nowMs() < deadline) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const e = await readEntry(key);
      if (e && (await isFresh(e))) return answer(e);
      if (e?.claimUntilMs == null) break; // their fetch failed and let go
    }
  }
  try {
    // Stamped with the version before the fetch: a slot freed while Cal.com answered makes it stale.
    const startedMs = nowMs();
    const freedVersion = await calendarFreedVersion(coachId);
    const slots = await fetch();
    await rawSlotCacheDoc(key).set({ coachId, slots, fetchedAtMs: startedMs, freedVersion, claimUntilMs: null });
    return { slots, source: "calcom", ageSeconds: 0 };
  } catch (err) {
    await rawSlotCacheDoc(key).set({ claimUntilMs: null }, { merge: true });
    const stale = await readEntry(key);
    if (stale?.fetchedAtMs != null)
      return { slots: stale.slots, source: "cache", ageSeconds: Math.floor((nowMs() - stale.fetchedAtMs) / 1000) };
    throw err;
  }
}
