import { describe, expect, it } from "vitest";
import { isEmailAmong } from "./emails.js";

describe("isEmailAmong", () => {
  it("matches an address whatever its case and surrounding spaces", () => {
    expect(isEmailAmong("  Ana@Example.com ", ["bob@example.com", "ana@example.COM"])).toBe(true);
  });

  it("does not match an address absent from the list", () => {
    expect(isEmailAmong("ana@example.com", ["bob@example.com", null, undefined])).toBe(false);
  });

  it.each([null, undefined, "", "   "])("names nobody for %j, even beside empty entries", (email) => {
    expect(isEmailAmong(email, ["", "  ", null, undefined, "ana@example.com"])).toBe(false);
  });
});
