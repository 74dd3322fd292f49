import type { FieldError } from "./errors";

/**
 * zod issues → Unkey's `errors[]`: the location is the JSON-Schema keyword location in the
 * request schema (`/properties/name/minLength`, `/required`, `/properties/roles/items/type`), the
 * message is worded as Unkey's OpenAPI validator words it (`minLength: got 2, want 3`).
 * Object keys walk through `properties`, array indexes through `items`.
 */
export interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  inclusive?: boolean;
  expected?: string;
  format?: string;
  pattern?: string;
  values?: unknown[];
  keys?: string[];
  divisor?: number;
  errors?: ZodIssueLike[][];
}

const schemaPath = (path: PropertyKey[]) => path.map((p) => (typeof p === "number" ? "/items" : `/properties/${String(p)}`)).join("");

function valueAt(data: unknown, path: PropertyKey[]): { found: boolean; value: unknown } {
  let v: unknown = data;
  for (const p of path) {
    if (v === null || typeof v !== "object" || !(String(p) in (v as object))) return { found: false, value: undefined };
    v = (v as Record<string, unknown>)[p as string];
  }
  return { found: true, value: v };
}

/** Go's validator quotes with single quotes. */
const quote = (s: string) => `'${s.replace(/'/g, "\\'")}'`;
const display = (v: unknown) => (typeof v === "string" ? quote(v) : typeof v === "object" && v !== null ? "value" : String(v));

function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v === "object" ? "object" : typeof v;
}

const WANT_TYPE: Record<string, string> = { int: "integer", record: "object", map: "object", tuple: "array", bigint: "integer" };

const size = (v: unknown): number =>
  typeof v === "string" ? [...v].length : Array.isArray(v) ? v.length : v && typeof v === "object" ? Object.keys(v).length : Number(v);

const BOUND = {
  too_small: { string: "minLength", array: "minItems", set: "minItems", object: "minProperties", number: "minimum", exclusive: "exclusiveMinimum" },
  too_big: { string: "maxLength", array: "maxItems", set: "maxItems", object: "maxProperties", number: "maximum", exclusive: "exclusiveMaximum" },
} as const;

function one(issue: ZodIssueLike, data: unknown): FieldError {
  const at = schemaPath(issue.path);
  const { value } = valueAt(data, issue.path);
  switch (issue.code) {
    case "invalid_type": {
      const want = WANT_TYPE[issue.expected ?? ""] ?? issue.expected ?? "value";
      return { location: `${at}/type`, message: `got ${jsonType(value)}, want ${want}` };
    }
    case "too_small":
    case "too_big": {
      const names = BOUND[issue.code];
      const origin = issue.origin ?? "number";
      const numeric = !(origin in names) || origin === "number" || origin === "int" || origin === "bigint";
      const keyword = numeric ? (issue.inclusive === false ? names.exclusive : names.number) : names[origin as "string"];
      const want = issue.code === "too_small" ? issue.minimum : issue.maximum;
      return { location: `${at}/${keyword}`, message: `${keyword}: got ${size(value)}, want ${String(want)}` };
    }
    case "invalid_format": {
      if (issue.format === "regex" || issue.pattern) {
        const pattern = (issue.pattern ?? "").replace(/^\/(.*)\/[a-z]*$/s, "$1");
        return { location: `${at}/pattern`, message: `${display(value)} does not match pattern ${quote(pattern)}` };
      }
      return { location: `${at}/format`, message: `${display(value)} is not valid ${issue.format ?? "format"}` };
    }
    case "invalid_value": {
      const values = issue.values ?? [];
      const message = values.length === 1 ? `value must be ${display(values[0])}` : `value must be one of ${values.map(display).join(", ")}`;
      return { location: `${at}/enum`, message };
    }
    case "unrecognized_keys":
      return { location: `${at}/additionalProperties`, message: `additional properties ${(issue.keys ?? []).map(quote).join(", ")} not allowed` };
    case "not_multiple_of":
      return { location: `${at}/multipleOf`, message: `multipleOf: got ${String(value)}, want ${issue.divisor}` };
    case "invalid_union":
      return { location: `${at}/anyOf`, message: "anyOf failed" };
    default:
      // refinements: no schema keyword, so the property itself and the check's own words
      return { location: at || "/", message: issue.message };
  }
}

export function toFieldErrors(issues: ZodIssueLike[], data: unknown): FieldError[] {
  const out: FieldError[] = [];
  // missing properties of one object are reported together, as `missing properties 'a', 'b'`
  const missing = new Map<string, string[]>();
  for (const issue of issues) {
    const parent = issue.path.slice(0, -1);
    const key = issue.path[issue.path.length - 1];
    if (issue.code === "invalid_type" && key !== undefined && typeof key !== "number" && !valueAt(data, issue.path).found && valueAt(data, parent).found) {
      const loc = `${schemaPath(parent)}/required`;
      if (!missing.has(loc)) {
        missing.set(loc, []);
        out.push({ location: loc, message: "" });
      }
      missing.get(loc)!.push(String(key));
      continue;
    }
    out.push(one(issue, data));
  }
  for (const e of out) {
    const keys = missing.get(e.location);
    if (keys && e.message === "") {
      e.message = keys.length === 1 ? `missing property ${quote(keys[0]!)}` : `missing properties ${keys.map(quote).join(", ")}`;
    }
  }
  return out;
}

/**
 * gateway.setPolicies / updatePolicy: the handler's own policy checks (refinements) are reported
 * as Unkey's handler reports them, with a field path such as `policies[2].match[0]`.
 */
export function fieldPath(path: PropertyKey[]): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s ? `.${String(p)}` : String(p);
  return s;
}

export function toPolicyFieldErrors(issues: ZodIssueLike[], data: unknown): FieldError[] {
  const own = issues.filter((i) => i.code === "custom");
  const rest = toFieldErrors(
    issues.filter((i) => i.code !== "custom"),
    data,
  );
  return [...own.map((i) => ({ location: fieldPath(i.path), message: i.message })), ...rest];
}
