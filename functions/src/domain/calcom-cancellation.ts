import { isEmailAmong } from "./emails.js";

/**
 * Who a cancellation made in Cal.com is charged to. It is the student's only when Cal.com says
 * one of the booking's attendees cancelled it; the host, an organization admin, anybody else, or
 * nobody Cal.com names is treated as the coach's (a full refund), so a student is never charged
 * the policy tier for a cancellation they cannot be shown to have made. The webhook and
 * reconciliation both decide with this one rule, so they cannot disagree.
 */
export function calcomCanceller(input: {
  cancelledBy: string | null | undefined;
  attendeeEmails: readonly (string | null | undefined)[];
}): "student" | "coach" {
  return isEmailAmong(input.cancelledBy, input.attendeeEmails) ? "student" : "coach";
}
