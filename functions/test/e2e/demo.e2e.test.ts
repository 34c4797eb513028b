import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localEndpoints } from "../../demo/demo-client.js";
import { runDemo, summary } from "../../demo/demo.js";
import { startLocalStandIns, type LocalStandIns } from "../helpers/e2e-stand-ins.js";

// `npm run demo`'s own code, driven in-process against the emulator run of the test command, with
// the stand-ins where `npm start` puts them.
let standIns: LocalStandIns;

beforeAll(async () => {
  standIns = await startLocalStandIns();
});
afterAll(async () => {
  await standIns.stop();
});

describe("npm run demo", () => {
  it("walks the whole story and succeeds (the exit code the demo command would give)", async () => {
    const lines: string[] = [];
    const result = await runDemo(localEndpoints(), (line) => {
      lines.push(line);
    });
    expect(result.ok, `${lines.join("\n")}\n${summary(result)}`).toBe(true);
    expect(result.mail).toEqual({ viewer: "http://127.0.0.1:5605", withCalendarFile: 6 });
    expect(result.money).toEqual({ capturedCents: 6_000, refundedCents: 3_000, currency: "eur" });
    expect(result.states.map((s) => `${s.status}/${s.paymentStatus}`)).toEqual([
      "requested/pending",
      "confirmed/paid",
      "confirmed/paid",
      "cancelled/refunded",
      "confirmed/paid",
      "completed/paid",
      "completed/refunded",
    ]);
    expect(result.payout).toEqual({ feeCents: 150, transferredCents: 850, reversedCents: 850 });
  }, 480_000);
});
