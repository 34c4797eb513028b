import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { CallableError, call, localEndpoints, signIn } from "../../demo/demo-client.js";
import { coachifyClient } from "../../src/client/coachify-client.js";
import { uniqueId } from "../helpers/admin.js";

describe("the typed client module against the Functions emulator", () => {
  const e = localEndpoints();

  async function clientFor(email: string) {
    const user = await signIn(e, email);
    const sent: string[] = [];
    const api = coachifyClient((name, data) => {
      sent.push(name);
      return call(e, name, data, user);
    });
    return { api, user, sent };
  }

  it("calls a callable and returns its typed answer", async () => {
    const { api } = await clientFor(`${uniqueId("client")}@example.com`);
    const health = await api.getHealth();
    expect(health).toMatchObject({ ok: true, emulator: true });
    expect(health.calcom.apiKeyConfigured).toBe(true);
  });

  it("refuses a bad request with the function's own schema before sending it", async () => {
    const { api, sent } = await clientFor(`${uniqueId("client")}@example.com`);
    await expect(
      api.getAvailableSlots({ coachId: "", eventTypeId: -1, dateFrom: "yesterday", dateTo: "2030-01-07" }),
    ).rejects.toBeInstanceOf(ZodError);
    expect(sent).toEqual([]);
  });

  it("passes the function's errors through with their code", async () => {
    const { api } = await clientFor(`${uniqueId("client")}@example.com`);
    const err = await api.quoteCancellation({ bookingId: "no-such-booking" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallableError);
    expect((err as CallableError).status).toBe("NOT_FOUND");
  });
});
