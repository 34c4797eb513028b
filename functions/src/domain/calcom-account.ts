import { z } from "zod";
import { epochMs } from "./time.js";

/** What a caller is told when the Cal.com key it needs is not configured. */
export const CALCOM_KEY_MISSING_MESSAGE = "Cal.com API key not configured";

/**
 * The Cal.com account a booking lives in: enough to find its credential (the organization's key,
 * or the connected key of that Cal.com user) whatever the coach has connected since.
 */
export const CalcomAccountRefSchema = z.object({
  mode: z.enum(["organization", "connected"]),
  calcomUserId: z.int().positive(),
});
export type CalcomAccountRef = z.output<typeof CalcomAccountRefSchema>;

/** A stable name for an account (document ids, cursor keys): `connected-42`, `organization-7`. */
export function calcomAccountKey(ref: CalcomAccountRef): string {
  return `${ref.mode}-${ref.calcomUserId}`;
}

/**
 * What connecting `nextCalcomUserId` is for a coach now in `current` (null: never reached in
 * Cal.com): the first connection, a new key for the same Cal.com user (rotation: always allowed),
 * or a switch to another account, allowed only while no booking of theirs is live.
 */
export function connectionChange(current: CalcomAccountRef | null, nextCalcomUserId: number): "first" | "rotation" | "switch" {
  if (current === null) return "first";
  return current.mode === "connected" && current.calcomUserId === nextCalcomUserId ? "rotation" : "switch";
}

/**
 * Whether a booking still needs its Cal.com account: not cancelled and not yet ended, or with a
 * move in flight (its new interval may end later, and its Cal.com move is still to be made).
 */
export function needsItsCalcomAccount(booking: { status: string; endTime: string; reschedule: unknown }, now: Date): boolean {
  if (booking.status === "cancelled") return false;
  return booking.reschedule != null || epochMs(booking.endTime) > now.getTime();
}

/** The query parameter of our webhook URL in a connected coach's Cal.com account: the coach whose secret signs its deliveries. */
export const CALCOM_WEBHOOK_COACH_PARAM = "coach";

/** Whose secret a Cal.com delivery was verified with: the organization's one secret, or one connected coach's own. */
export type CalcomDeliveryScope = { kind: "organization" } | { kind: "coach"; coachId: string };

/**
 * Whether a delivery verified in `scope` may speak about `booking`: a coach's secret only about
 * that coach's own bookings outside the organization, the organization's only about bookings not
 * in a connected account (a booking recorded before its account was, with either). Otherwise a
 * coach could sign, with their own secret, a delivery about another coach's booking.
 */
export function deliveryMayConcern(
  scope: CalcomDeliveryScope,
  booking: { coachId: string; calcomAccount: CalcomAccountRef | null },
): boolean {
  if (scope.kind === "organization") return booking.calcomAccount?.mode !== "connected";
  return booking.coachId === scope.coachId && booking.calcomAccount?.mode !== "organization";
}
