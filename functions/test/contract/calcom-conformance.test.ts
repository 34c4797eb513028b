import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CALCOM_SUBSET_OPENAPI } from "../stand-ins/calcom-subset.openapi.js";

/**
 * Holds our description of the Cal.com endpoints we use against Cal.com's full published
 * description: every path, method, header, parameter and body field we use must exist there
 * with the same type, and everything Cal.com requires we must send. CI has the full description
 * beside the checkout; a user's clone does not, and then this test is skipped, saying why.
 */

type Json = Record<string, unknown>;

const DEFAULT_PATH = fileURLToPath(new URL("../../../../shared/contracts/calcom-v2.openapi.json", import.meta.url));
const specPath = process.env.CALCOM_OPENAPI_PATH ?? DEFAULT_PATH;
const available = existsSync(specPath);
const full: Json = available ? (JSON.parse(readFileSync(specPath, "utf8")) as Json) : {};

function resolve(schema: unknown): Json {
  let s = (schema ?? {}) as Json;
  for (let i = 0; i < 10; i++) {
    if (typeof s.$ref === "string") {
      const name = s.$ref.replace("#/components/schemas/", "");
      s = ((full.components as Json).schemas as Json)[name] as Json;
    } else if (Array.isArray(s.allOf) && s.allOf.length === 1) {
      s = s.allOf[0] as Json;
    } else break;
  }
  return s;
}

function typeOf(schema: Json): string | undefined {
  if (typeof schema.type === "string") return schema.type;
  if (schema.properties) return "object";
  return undefined;
}

/** Mismatches between one of our schemas and theirs; a oneOf of theirs passes if any branch does, a oneOf of ours if every branch does. */
function compareSchema(ours: Json, theirsRaw: unknown, where: string): string[] {
  // Each of our alternatives must be something Cal.com accepts.
  if (Array.isArray(ours.oneOf)) return (ours.oneOf as Json[]).flatMap((branch) => compareSchema(branch, theirsRaw, where));
  const theirs = resolve(theirsRaw);
  if (Array.isArray(theirs.oneOf)) {
    const attempts = theirs.oneOf.map((branch) => compareSchema(ours, branch, where));
    return attempts.find((a) => a.length === 0) ?? attempts.flat();
  }
  const problems: string[] = [];
  const ourType = typeOf(ours);
  const theirType = typeOf(theirs);
  if (ourType !== theirType) return [`${where}: type ${ourType ?? "?"} here, ${theirType ?? "?"} in Cal.com`];
  if (ourType === "object") {
    const ourProps = (ours.properties ?? {}) as Record<string, Json>;
    const theirProps = (theirs.properties ?? {}) as Record<string, unknown>;
    for (const [name, schema] of Object.entries(ourProps)) {
      if (!(name in theirProps)) problems.push(`${where}.${name}: not in Cal.com's description`);
      else problems.push(...compareSchema(schema, theirProps[name], `${where}.${name}`));
    }
    const ourRequired = (ours.required ?? []) as string[];
    for (const name of (theirs.required ?? []) as string[]) {
      if (!ourRequired.includes(name)) problems.push(`${where}.${name}: required by Cal.com but not always sent by us`);
    }
  }
  if (ourType === "array") problems.push(...compareSchema((ours.items ?? {}) as Json, theirs.items, `${where}[]`));
  if (Array.isArray(ours.enum) && Array.isArray(theirs.enum)) {
    for (const v of ours.enum) if (!theirs.enum.includes(v)) problems.push(`${where}: value ${JSON.stringify(v)} not allowed by Cal.com`);
  }
  return problems;
}

interface Param {
  name: string;
  in: string;
  required?: boolean;
  schema?: Json;
}

function operations() {
  const rows: { path: string; method: string; op: Json }[] = [];
  for (const [path, methods] of Object.entries(CALCOM_SUBSET_OPENAPI.paths)) {
    for (const [method, op] of Object.entries(methods)) rows.push({ path, method, op: op as Json });
  }
  return rows;
}

const title = available
  ? `matches Cal.com's full description (${specPath})`
  : `matches Cal.com's full description: skipped, ${specPath} not found (set CALCOM_OPENAPI_PATH to Cal.com's OpenAPI description)`;

describe("our Cal.com subset against Cal.com's published OpenAPI description", () => {
  it.skipIf(!available).each(operations().map((o) => [`${o.method.toUpperCase()} ${o.path}`, o] as const))(
    `%s ${title}`,
    (_label, { path, method, op }) => {
      const problems: string[] = [];
      const theirPath = (full.paths as Record<string, Record<string, Json> | undefined>)[path];
      const theirOp = theirPath?.[method];
      expect(theirOp, `${method.toUpperCase()} ${path} exists in Cal.com's description`).toBeDefined();
      if (!theirOp) return;

      const theirParams = (theirOp.parameters ?? []) as Param[];
      const find = (p: Param) =>
        theirParams.find((t) => t.in === p.in && (p.in === "header" ? t.name.toLowerCase() === p.name.toLowerCase() : t.name === p.name));
      for (const ours of (op.parameters ?? []) as Param[]) {
        const theirs = find(ours);
        if (!theirs) {
          problems.push(`${ours.in} parameter ${ours.name}: not in Cal.com's description`);
          continue;
        }
        const ourType = ours.schema?.type;
        const theirType = resolve(theirs.schema).type;
        if (ourType !== theirType)
          problems.push(`${ours.in} parameter ${ours.name}: ${String(ourType)} here, ${String(theirType)} in Cal.com`);
        if (theirs.required === true && ours.required !== true && ours.name !== "Authorization") {
          problems.push(`${ours.in} parameter ${ours.name}: required by Cal.com but optional here`);
        }
        if (ours.name === "cal-api-version") {
          const ourVersion = (ours.schema?.enum as string[] | undefined)?.[0];
          expect(ourVersion, `cal-api-version of ${method.toUpperCase()} ${path}`).toBe(resolve(theirs.schema).default);
        }
      }
      for (const theirs of theirParams) {
        const ours = ((op.parameters ?? []) as Param[]).find(
          (p) => p.in === theirs.in && p.name.toLowerCase() === theirs.name.toLowerCase(),
        );
        if (theirs.required === true && !ours && theirs.name !== "Authorization")
          problems.push(`${theirs.in} parameter ${theirs.name}: required by Cal.com, missing here`);
      }

      const ourBody = ((op.requestBody as Json | undefined)?.content as Json | undefined)?.["application/json"] as Json | undefined;
      const theirBody = ((theirOp.requestBody as Json | undefined)?.content as Json | undefined)?.["application/json"] as Json | undefined;
      if (ourBody && !theirBody) problems.push("we send a JSON body; Cal.com's description takes none");
      if (ourBody && theirBody) problems.push(...compareSchema(ourBody.schema as Json, theirBody.schema, "body"));

      expect(problems).toEqual([]);
    },
  );

  it("describes every endpoint the client calls (no operation without an id)", () => {
    const ids = operations().map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === "string")).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
