import { beforeAll } from "vitest";
import { clearDatabase } from "../helpers/fingerprint.js";

// Every end-to-end file starts from an empty database, as every in-process file does
// (int-isolation.ts): each file starts its own Cal.com stand-in, whose ids restart where the
// earlier one's did, while the Functions emulator's database would still hold the earlier file's
// records of them (a Cal.com user recorded for another coach, event types, cursors). In
// production, Cal.com never reuses an id.
beforeAll(async () => {
  await clearDatabase(process.env.GCLOUD_PROJECT ?? "demo-coachify");
});
