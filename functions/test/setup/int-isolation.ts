import { beforeAll } from "vitest";
import { clearDatabase } from "../helpers/fingerprint.js";

// Every in-process file starts from an empty database. Reconciliation works through lists that
// span coaches (event-type syncs behind, accounts left, unfinished writes): left over from an
// earlier file, they would be carried out against this file's Cal.com stand-in, whose event-type
// ids restart where the earlier stand-in's did — in production, ids are never reused.
beforeAll(async () => {
  await clearDatabase();
});
