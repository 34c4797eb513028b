import type { OpenApiDocument } from "./stripe-subset.js";

/**
 * Holds a JSON answer against a schema of Stripe's description (the repository's copy or the full
 * one): every required field present, every field of the type the description gives (null only
 * where it is nullable), enums respected, no field the description does not know. Answers the
 * problems found, each with where it is (`checkout.session.automatic_tax.enabled: ...`).
 */

type Schema = Record<string, unknown>;

function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 20 && typeof s.$ref === "string"; i++) {
    const { $ref, ...siblings } = s;
    s = { ...(doc.components.schemas[$ref.replace("#/components/schemas/", "")] ?? {}), ...siblings };
  }
  return s;
}

const kind = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : Number.isInteger(v) ? "integer" : typeof v === "number" ? "number" : typeof v;

/** A short rendering of a value for a problem's text (JSON.stringify answers undefined for undefined). */
const shown = (v: unknown): string => (JSON.stringify(v) as string | undefined)?.slice(0, 40) ?? "undefined";

export function answerProblems(doc: OpenApiDocument, schemaIn: Schema, value: unknown, where: string): string[] {
  const schema = resolve(doc, schemaIn);
  if (schema["x-stripe-pruned"] !== undefined) return [];
  if (value === null) return schema.nullable === true ? [] : [`${where}: null, but the description does not allow null`];
  if (Array.isArray(schema.anyOf)) {
    const attempts = (schema.anyOf as Schema[]).map((b) => answerProblems(doc, b, value, where));
    return (
      attempts.find((a) => a.length === 0) ?? [`${where}: matches none of ${attempts.length} alternatives (${attempts.flat().join("; ")})`]
    );
  }
  const type = typeof schema.type === "string" ? schema.type : schema.properties ? "object" : undefined;
  const actual = kind(value);
  if (type === undefined) return [];
  if (type === "number" ? actual !== "number" && actual !== "integer" : actual !== type)
    return [`${where}: ${actual} ${shown(value)}, the description says ${type}`];
  if (type === "string" && Array.isArray(schema.enum) && !schema.enum.includes(value))
    return [`${where}: ${JSON.stringify(value)} is not one of the description's values`];
  if (type === "array")
    return (value as unknown[]).flatMap((item, i) => answerProblems(doc, (schema.items ?? {}) as Schema, item, `${where}[${i}]`));
  if (type !== "object") return [];
  const obj = value as Record<string, unknown>;
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const extra = schema.additionalProperties;
  const problems: string[] = [];
  for (const name of (schema.required ?? []) as string[])
    if (!(name in obj)) problems.push(`${where}.${name}: missing (Stripe always sends it)`);
  // An object without declared fields (metadata, previous_attributes) holds anything.
  const open = Object.keys(props).length === 0 && (extra === undefined || extra === true);
  for (const [name, v] of Object.entries(obj)) {
    const sub = props[name] ?? (typeof extra === "object" && extra !== null ? (extra as Schema) : undefined);
    if (sub) problems.push(...answerProblems(doc, sub, v, `${where}.${name}`));
    else if (!open) problems.push(`${where}.${name}: not in the description`);
  }
  return problems;
}

/** The schema of the 200 answer of an operation, by method and path as the description names it. */
export function answerSchema(doc: OpenApiDocument, method: string, template: string): Schema | undefined {
  const op = doc.paths[template]?.[method.toLowerCase()];
  const ok = (op?.responses as Schema | undefined)?.["200"] as Schema | undefined;
  return ((ok?.content as Schema | undefined)?.["application/json"] as Schema | undefined)?.schema as Schema | undefined;
}
