import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The statements read ledger entries as a collection group (`allLedgerEntries`), dated in a
 * period: a coach's by coach and time, the platform's by time alone. The emulator runs both
 * without an index; production refuses them unless firestore.indexes.json has their indexes.
 * Firestore keeps single-field indexes for collection queries only: a collection-group range on
 * one field needs that field's override.
 */
interface IndexSpec {
  order?: string;
  arrayConfig?: string;
  queryScope: string;
}
const file = JSON.parse(readFileSync(fileURLToPath(new URL("../../../firestore.indexes.json", import.meta.url)), "utf8")) as {
  indexes: { collectionGroup: string; queryScope: string; fields: { fieldPath: string; order?: string }[] }[];
  fieldOverrides: { collectionGroup: string; fieldPath: string; indexes: IndexSpec[] }[];
};

describe("firestore.indexes.json serves the statements' ledger queries", () => {
  it("coachStatement: a collection-group composite index on coachId, then at", () => {
    const found = file.indexes.some(
      (i) =>
        i.collectionGroup === "ledger" &&
        i.queryScope === "COLLECTION_GROUP" &&
        i.fields.map((f) => `${f.fieldPath}:${f.order ?? ""}`).join(",") === "coachId:ASCENDING,at:ASCENDING",
    );
    expect(found).toBe(true);
  });

  it("platformStatement: at's collection-group single-field index, its collection indexes kept", () => {
    const override = file.fieldOverrides.find((o) => o.collectionGroup === "ledger" && o.fieldPath === "at");
    expect(override?.indexes).toEqual(
      expect.arrayContaining([
        { order: "ASCENDING", queryScope: "COLLECTION_GROUP" },
        // An override replaces the automatic indexes of the field: the collection ones are listed again.
        { order: "ASCENDING", queryScope: "COLLECTION" },
        { order: "DESCENDING", queryScope: "COLLECTION" },
        { arrayConfig: "CONTAINS", queryScope: "COLLECTION" },
      ]),
    );
  });
});
