/**
 * Who a cancellation made in Cal.com is charged to. It is the student's only when Cal.com says
 * one of the booking's attendees cancelled it; the host, an organization admin, anybody else, or
 * nobody Cal.com names is treated as the coach's (a full refund), so a student is never charged
 * the policy tier for a cancellation they cannot be shown to have made. The webhook and
 * reconciliation both decide with this one rule, so they cannot disagree.
 */
export function calcomCanceller(input: { cancelledBy: string | null | undefined; attendeeEmails: readonly (string | null | undefined)[] }): "student" | "coach" {
  const by = normalEmail(input.cancelledBy);
  if (by === null) return "coach";
  return input.attendeeEmails.some((e) => normalEmail(e) === by) ? "student" : "coach";
}

function normalEmail(email: string | null | undefined): string | null {
  const e = (email ?? "").trim().toLowerCase();
  return e === "" ? null : e;
}
