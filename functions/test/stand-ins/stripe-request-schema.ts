import { invalidRequest, type StripeHttpError } from "./stripe-error.js";
import { stripeSubset } from "./stripe-subset.js";

/**
 * Holds a request's form-encoded parameters (as qs parsed them: every leaf a string) against
 * Stripe's description of the operation, and answers the first thing Stripe would refuse, in
 * Stripe's words: an unknown parameter (`parameter_unknown`), a missing one (`parameter_missing`),
 * an empty value for one that cannot be unset (`parameter_invalid_empty`), a bad integer
 * (`parameter_invalid_integer`), a value outside an enum, a string too long. `param` is named as
 * Stripe names it: `line_items[0][price_data][currency]`.
 */

type Schema = Record<string, unknown>;

export interface StripeOperation {
  method: string;
  template: string;
  op: Schema;
}

function resolve(schema: Schema): Schema {
  let s = schema;
  for (let i = 0; i < 20 && typeof s.$ref === "string"; i++) {
    s = stripeSubset().components.schemas[s.$ref.replace("#/components/schemas/", "")] ?? {};
  }
  return s;
}

const plain = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether `schema` lets the empty value through (Stripe's way to unset: nullable, or `""` in an enum). */
function acceptsEmpty(schema: Schema): boolean {
  const s = resolve(schema);
  if (s.nullable === true) return true;
  if (Array.isArray(s.enum) && s.enum.includes("")) return true;
  return Array.isArray(s.anyOf) && (s.anyOf as Schema[]).some(acceptsEmpty);
}

function describeEnum(values: unknown[]): string {
  const shown = values.map(String);
  return shown.length < 2 ? shown.join("") : `${shown.slice(0, -1).join(", ")}, or ${shown.at(-1) ?? ""}`;
}

function check(schemaIn: Schema, value: unknown, param: string): StripeHttpError | null {
  const schema = resolve(schemaIn);
  if (schema["x-stripe-pruned"] !== undefined) return null;
  if (value === "" && schema.type !== "string") {
    if (acceptsEmpty(schema)) return null;
    return invalidRequest(
      `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
      param,
      "parameter_invalid_empty",
    );
  }
  if (Array.isArray(schema.anyOf)) {
    const branches = schema.anyOf as Schema[];
    const errors = branches.map((b) => check(b, value, param));
    if (errors.some((e) => e === null)) return null;
    // The branch of the value's own shape says best what is wrong.
    const shaped = branches.findIndex((b) => (resolve(b).type === "object") === plain(value));
    return errors[shaped >= 0 ? shaped : 0] ?? null;
  }
  switch (schema.type) {
    case "object":
      return checkObject(schema, value, param);
    case "array": {
      const items = Array.isArray(value) ? value : plain(value) ? Object.values(value) : null;
      if (items === null) return invalidRequest(`Invalid array`, param);
      for (const [i, item] of items.entries()) {
        const err = check((schema.items ?? {}) as Schema, item, `${param}[${i}]`);
        if (err) return err;
      }
      return null;
    }
    case "integer":
      return typeof value === "string" && /^-?\d+$/.test(value)
        ? null
        : invalidRequest(`Invalid integer: ${String(value)}`, param, "parameter_invalid_integer");
    case "number":
      return typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))
        ? null
        : invalidRequest(`Invalid decimal: ${String(value)}`, param);
    case "boolean":
      return value === "true" || value === "false" ? null : invalidRequest(`Invalid boolean: ${String(value)}`, param);
    case "string": {
      if (typeof value !== "string") return invalidRequest(`Invalid string: ${JSON.stringify(value)}`, param);
      if (value === "" && !acceptsEmpty(schema) && !(Array.isArray(schema.enum) && schema.enum.includes(""))) {
        return invalidRequest(
          `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
          param,
          "parameter_invalid_empty",
        );
      }
      if (Array.isArray(schema.enum) && !schema.enum.includes(value)) {
        return invalidRequest(`Invalid ${param}: must be one of ${describeEnum(schema.enum as unknown[])}`, param);
      }
      if (typeof schema.maxLength === "number" && value.length > schema.maxLength) {
        return invalidRequest(`Invalid string: ${value.slice(0, 10)}...; must be at most ${schema.maxLength} characters`, param);
      }
      return null;
    }
    default:
      return null;
  }
}

function checkObject(schema: Schema, value: unknown, param: string): StripeHttpError | null {
  if (!plain(value)) return invalidRequest(`Invalid object`, param);
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const extra = schema.additionalProperties;
  const at = (key: string) => (param === "" ? key : `${param}[${key}]`);
  for (const [key, v] of Object.entries(value)) {
    const sub = props[key] ?? (plain(extra) ? extra : undefined);
    if (!sub) return invalidRequest(`Received unknown parameter: ${at(key)}`, at(key), "parameter_unknown");
    const err = check(sub, v, at(key));
    if (err) return err;
  }
  for (const key of (schema.required ?? []) as string[]) {
    if (!(key in value)) return invalidRequest(`Missing required param: ${at(key)}.`, at(key), "parameter_missing");
  }
  return null;
}

let operations: StripeOperation[] | undefined;

/** The operation of Stripe's description a request is for, or undefined (the stand-in then answers 404). */
export function findStripeOperation(method: string, path: string): (StripeOperation & { pathParams: Record<string, string> }) | undefined {
  operations ??= Object.entries(stripeSubset().paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([m, op]) => ({ method: m.toUpperCase(), template, op })),
  );
  for (const o of operations) {
    if (o.method !== method) continue;
    const names: string[] = [];
    const pattern = o.template.replace(/\{([^}]+)\}/g, (_all, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    const m = new RegExp(`^${pattern}$`).exec(path);
    if (m) return { ...o, pathParams: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? "")])) };
  }
  return undefined;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Schema;
}

/** The first thing about these parameters Stripe's description refuses, or null. */
export function checkAgainstDescription(
  operation: StripeOperation & { pathParams: Record<string, string> },
  params: Record<string, unknown>,
): StripeHttpError | null {
  const parameters = (operation.op.parameters ?? []) as Parameter[];
  for (const p of parameters.filter((x) => x.in === "path")) {
    const err = check(p.schema ?? {}, operation.pathParams[p.name], p.name);
    if (err) return err;
  }
  const query = parameters.filter((x) => x.in === "query");
  const body = (
    ((operation.op.requestBody as Schema | undefined)?.content as Schema | undefined)?.["application/x-www-form-urlencoded"] as
      Schema | undefined
  )?.schema as Schema | undefined;
  const schema: Schema =
    operation.method === "GET" || operation.method === "DELETE"
      ? {
          type: "object",
          properties: Object.fromEntries(query.map((p) => [p.name, p.schema ?? {}])),
          required: query.filter((p) => p.required === true).map((p) => p.name),
        }
      : (body ?? { type: "object", properties: {} });
  return checkObject(resolve(schema), params, "");
}
