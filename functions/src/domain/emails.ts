/**
 * Whether an address is one of the given addresses. One mailbox may be written in any case and with
 * stray spaces, so both sides are compared trimmed and lower-cased; an empty or missing address
 * names nobody and so is among none (the callers' "nobody named" default then applies).
 */
export function isEmailAmong(email: string | null | undefined, among: readonly (string | null | undefined)[]): boolean {
  const wanted = normalEmail(email);
  return wanted !== null && among.some((e) => normalEmail(e) === wanted);
}

function normalEmail(email: string | null | undefined): string | null {
  const e = (email ?? "").trim().toLowerCase();
  return e === "" ? null : e;
}
