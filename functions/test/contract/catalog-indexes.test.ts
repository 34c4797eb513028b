import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FACETED_PRICE_CURRENCIES, catalogQueryPlan, type CatalogFilters, type CatalogQueryPlan } from "../../src/domain/catalog.js";

/**
 * The emulator runs any query without an index; production refuses one whose composite index is
 * missing. So every query shape listCoaches can build (catalogQueryPlan, which the service runs as
 * it is) is derived here and its index looked up in firestore.indexes.json.
 */
interface IndexField {
  fieldPath: string;
  order?: string;
  arrayConfig?: string;
}
interface Index {
  collectionGroup: string;
  queryScope: string;
  fields: IndexField[];
}

const file = JSON.parse(readFileSync(fileURLToPath(new URL("../../../firestore.indexes.json", import.meta.url)), "utf8")) as {
  indexes: Index[];
};
const catalogIndexes = file.indexes.filter((i) => i.collectionGroup === "publicCoaches");

/**
 * The composite index a plan needs, or null when Firestore's automatic single-field indexes serve
 * it: with no array-contains, the range and the order are on one field (then the document id,
 * which every index ends with).
 */
function neededIndex(plan: CatalogQueryPlan): IndexField[] | null {
  if (plan.facet === null) return null;
  return [
    { fieldPath: "facets", arrayConfig: "CONTAINS" },
    { fieldPath: plan.orderField, order: "ASCENDING" },
  ];
}

function everyFilterCombination(): CatalogFilters[] {
  const out: CatalogFilters[] = [];
  for (const specialty of [undefined, "yoga"])
    for (const language of [undefined, "en"])
      for (const currency of [undefined, ...FACETED_PRICE_CURRENCIES, "jpy"])
        for (const [minPriceCents, maxPriceCents] of [
          [undefined, undefined],
          [1_000, undefined],
          [undefined, 9_000],
          [1_000, 9_000],
        ])
          out.push({ specialty, language, currency, minPriceCents, maxPriceCents });
  return out;
}

const sameFields = (a: IndexField[], b: IndexField[]) =>
  a.length === b.length &&
  a.every((f, i) => {
    const g: IndexField | undefined = b[i];
    return f.fieldPath === g?.fieldPath && f.order === g.order && f.arrayConfig === g.arrayConfig;
  });

describe("firestore.indexes.json serves every listCoaches query", () => {
  const plans = everyFilterCombination()
    .map((f) => catalogQueryPlan(f))
    .filter((p): p is CatalogQueryPlan => !("refusal" in p));
  const needed = plans.map(neededIndex).filter((i): i is IndexField[] => i !== null);

  it("has the composite index of each shape that needs one", () => {
    expect(needed.length).toBeGreaterThan(0);
    for (const fields of needed) {
      const found = catalogIndexes.some(
        (i) =>
          i.queryScope === "COLLECTION" &&
          sameFields(
            i.fields.filter((f) => f.fieldPath !== "__name__"),
            fields,
          ),
      );
      expect(found, `missing index ${JSON.stringify(fields)}`).toBe(true);
    }
  });

  it("has no catalog index that no query uses", () => {
    for (const index of catalogIndexes) {
      expect(
        needed.some((fields) => sameFields(index.fields, fields)),
        `unused index ${JSON.stringify(index.fields)}`,
      ).toBe(true);
    }
  });

  it("a price range with a facet in a currency without an index is refused, not run", () => {
    expect(catalogQueryPlan({ currency: "jpy", minPriceCents: 1, language: "en" })).toHaveProperty("refusal");
  });
});
