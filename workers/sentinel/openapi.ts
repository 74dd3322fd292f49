import { Validator, type Schema } from "@cfworker/json-schema";
import { parse as parseYaml } from "yaml";
import { Rejection } from "./errors";
import type { RequestFacts } from "./match";

/**
 * The openapi policy (sentinel-deploy §1.4.4): requests are checked against the OpenAPI
 * document the deployment serves at its `openapiSpecPath`, with @cfworker/json-schema (an
 * interpreter: workerd forbids the code generation AJV relies on). Path and query parameters,
 * headers, the body's content type and its JSON schema are checked; responses are not. A
 * request matching no operation is rejected. Compiled documents are cached per deployment.
 */
export interface CompiledSpec {
  doc: Record<string, unknown>;
  operations: CompiledOperation[];
}

interface CompiledParam {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: Record<string, unknown> | null;
  validator: Validator | null;
}

interface CompiledOperation {
  method: string;
  template: string;
  regex: RegExp;
  pathParamNames: string[];
  params: CompiledParam[];
  body: { required: boolean; content: { type: string; schema: Record<string, unknown> | null; validator: Validator | null }[] } | null;
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

export class SpecError extends Error {}

export function parseSpecText(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    try {
      doc = parseYaml(text);
    } catch (e) {
      throw new SpecError(`the OpenAPI document is neither JSON nor YAML: ${(e as Error).message}`);
    }
  }
  if (!doc || typeof doc !== "object" || typeof (doc as Record<string, unknown>).openapi !== "string")
    throw new SpecError("the document has no `openapi` version field");
  if (!(doc as Record<string, unknown>).paths || typeof (doc as Record<string, unknown>).paths !== "object") throw new SpecError("the document has no `paths`");
  return doc as Record<string, unknown>;
}

/** Inlines local $refs (depth-limited so recursive schemas end in `{}`). */
function deref(node: unknown, root: Record<string, unknown>, depth = 0): unknown {
  if (depth > 24) return {};
  if (Array.isArray(node)) return node.map((n) => deref(n, root, depth));
  if (!node || typeof node !== "object") return node;
  const o = node as Record<string, unknown>;
  if (typeof o.$ref === "string") {
    if (!o.$ref.startsWith("#/")) throw new SpecError(`external reference ${o.$ref} is not supported`);
    let target: unknown = root;
    for (const part of o.$ref.slice(2).split("/")) {
      const k = decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~");
      target = target && typeof target === "object" ? (target as Record<string, unknown>)[k] : undefined;
    }
    if (target === undefined) throw new SpecError(`unresolvable reference ${o.$ref}`);
    const { $ref: _r, ...siblings } = o;
    const resolved = deref(target, root, depth + 1);
    return Object.keys(siblings).length && resolved && typeof resolved === "object"
      ? { ...(resolved as object), ...(deref(siblings, root, depth) as object) }
      : resolved;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k] = deref(v, root, depth);
  return out;
}

/** OpenAPI 3.0 schema dialect → JSON Schema: `nullable` becomes a null type. */
function toJsonSchema(s: unknown, v30: boolean): unknown {
  if (Array.isArray(s)) return s.map((x) => toJsonSchema(x, v30));
  if (!s || typeof s !== "object") return s;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s as Record<string, unknown>)) out[k] = k === "example" || k === "examples" ? v : toJsonSchema(v, v30);
  if (v30 && out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === "string") out.type = [out.type, "null"];
    if (Array.isArray(out.enum)) out.enum = [...out.enum, null];
  }
  return out;
}

function validatorFor(schema: Record<string, unknown> | null, v30: boolean): Validator | null {
  if (!schema) return null;
  return new Validator(toJsonSchema(schema, v30) as Schema, v30 ? "4" : "2020-12", true);
}

export function compileSpec(raw: Record<string, unknown>): CompiledSpec {
  const doc = raw;
  const v30 = String(doc.openapi).startsWith("3.0");
  const operations: CompiledOperation[] = [];
  for (const [template, itemRaw] of Object.entries(doc.paths as Record<string, unknown>)) {
    const item = deref(itemRaw, doc) as Record<string, unknown>;
    const shared = (item.parameters as unknown[]) ?? [];
    const names: string[] = [];
    const pattern = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{([^}]+)\\?\}/g, (_m, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    const regex = new RegExp(`^${pattern}$`);
    for (const method of METHODS) {
      const op = item[method] as Record<string, unknown> | undefined;
      if (!op) continue;
      const byKey = new Map<string, Record<string, unknown>>();
      for (const p of [...shared, ...((op.parameters as unknown[]) ?? [])] as Record<string, unknown>[]) byKey.set(`${p.in}:${p.name}`, p);
      const params: CompiledParam[] = [];
      for (const p of byKey.values()) {
        if (p.in !== "path" && p.in !== "query" && p.in !== "header") continue;
        const schema = (p.schema as Record<string, unknown>) ?? null;
        params.push({ name: String(p.name), in: p.in, required: p.in === "path" || p.required === true, schema, validator: validatorFor(schema, v30) });
      }
      let body: CompiledOperation["body"] = null;
      const rb = op.requestBody as Record<string, unknown> | undefined;
      if (rb && rb.content && typeof rb.content === "object") {
        body = {
          required: rb.required === true,
          content: Object.entries(rb.content as Record<string, Record<string, unknown>>).map(([type, media]) => {
            const schema = (media?.schema as Record<string, unknown>) ?? null;
            return { type: type.toLowerCase(), schema, validator: /json/.test(type) ? validatorFor(schema, v30) : null };
          }),
        };
      }
      operations.push({ method: method.toUpperCase(), template, regex, pathParamNames: names, params, body });
    }
  }
  // concrete paths before templated ones, as OpenAPI asks
  operations.sort((a, b) => a.pathParamNames.length - b.pathParamNames.length);
  return { doc, operations };
}

/** Query/header/path values are strings: coerce them to what the schema expects before validating. */
function coerce(value: string | string[], schema: Record<string, unknown> | null): unknown {
  const type = Array.isArray(schema?.type) ? (schema!.type as string[]).find((t) => t !== "null") : (schema?.type as string | undefined);
  if (type === "array") {
    const items = (schema?.items as Record<string, unknown>) ?? null;
    const list = Array.isArray(value) ? value : value.split(",");
    return list.map((v) => coerce(v, items));
  }
  const v = Array.isArray(value) ? value[0]! : value;
  if (type === "integer" || type === "number") return v.trim() !== "" && !Number.isNaN(Number(v)) ? Number(v) : v;
  if (type === "boolean") return v === "true" ? true : v === "false" ? false : v;
  return v;
}

function fail(where: string, error: string): never {
  throw new Rejection("client:openapi_validation_failed", `${where}: ${error}`);
}

function firstError(v: Validator, instance: unknown): string | null {
  const r = v.validate(instance);
  if (r.valid) return null;
  const e = r.errors[r.errors.length - 1] ?? r.errors[0]!;
  return `${e.instanceLocation} ${e.error}`.trim();
}

/**
 * Validates a request; throws a 400 Rejection naming the first problem. Returns the parsed JSON
 * body (if one was read) and the body schema, for redaction in request logs.
 */
export async function validateRequest(spec: CompiledSpec, req: RequestFacts, request: Request): Promise<{ bodySchema: Record<string, unknown> | null }> {
  const method = req.method.toUpperCase();
  let op: CompiledOperation | undefined;
  let m: RegExpExecArray | null = null;
  for (const o of spec.operations) {
    if (o.method !== method && !(method === "HEAD" && o.method === "GET")) continue;
    m = o.regex.exec(req.path);
    if (m) {
      op = o;
      break;
    }
  }
  if (!op || !m) fail("Request validation failed", `no operation matches ${method} ${req.path}`);
  const pathValues = new Map(op.pathParamNames.map((n, i) => [n, decodeURIComponent(m![i + 1]!)]));
  for (const p of op.params) {
    let raw: string | string[] | null = null;
    if (p.in === "path") raw = pathValues.get(p.name) ?? null;
    else if (p.in === "query") {
      const all = req.url.searchParams.getAll(p.name);
      raw = all.length === 0 ? null : all.length === 1 ? all[0]! : all;
    } else raw = req.headers.get(p.name);
    if (raw === null) {
      if (p.required) fail("Request validation failed", `missing required ${p.in} parameter '${p.name}'`);
      continue;
    }
    if (p.validator) {
      const err = firstError(p.validator, coerce(raw, p.schema));
      if (err) fail("Request validation failed", `${p.in} parameter '${p.name}' ${err}`);
    }
  }
  if (!op.body) return { bodySchema: null };
  const hasBody = request.body !== null && request.headers.get("content-length") !== "0";
  const ct = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!hasBody || (!ct && request.headers.get("content-length") === null && request.body === null)) {
    if (op.body.required) fail("Request validation failed", "the request body is required");
    return { bodySchema: null };
  }
  const media =
    op.body.content.find((c) => c.type === ct) ??
    op.body.content.find((c) => c.type.endsWith("/*") && ct.startsWith(c.type.slice(0, -1))) ??
    op.body.content.find((c) => c.type === "*/*");
  if (!media) fail("Request validation failed", `content type '${ct || "(none)"}' is not accepted; expected ${op.body.content.map((c) => c.type).join(", ")}`);
  if (media.validator) {
    const text = await request.clone().text();
    if (text === "") {
      if (op.body.required) fail("Request validation failed", "the request body is required");
      return { bodySchema: media.schema };
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      fail("Request validation failed", "the request body is not valid JSON");
    }
    const err = firstError(media.validator, json);
    if (err) fail("Request body validation failed", err);
  }
  return { bodySchema: media.schema };
}
