/**
 * Redaction of the Sentinel's request log rows (sentinel-deploy §4.1, docs/sentinel.md): what a
 * logging policy keeps of a request never holds a key or a secret. Authorization and the
 * key-carrying headers and query parameters (the keyauth policy's locations) are replaced, and
 * so are JSON body properties marked `x-unkey-redact` in the route's OpenAPI schema.
 */

export const REDACTED = "[REDACTED]";
/** Largest body kept in a log row. */
export const MAX_LOGGED_BODY = 1024 * 1024;

/** Headers as "Name: value" lines; Authorization and the key-carrying headers redacted. */
export function headerLines(headers: Headers, redact: Set<string>): string[] {
  const out: string[] = [];
  headers.forEach((value, name) => {
    const lower = name.toLowerCase();
    out.push(`${name}: ${lower === "authorization" || redact.has(lower) ? REDACTED : value}`);
  });
  return out;
}

/** Query string and params with key-carrying params redacted (re-encoded). */
export function redactedQuery(url: URL, redact: Set<string>): { queryString: string; params: Record<string, string[]> } {
  const params: Record<string, string[]> = {};
  const sp = new URLSearchParams();
  for (const [k, v] of url.searchParams) {
    const val = redact.has(k) ? REDACTED : v;
    (params[k] ??= []).push(val);
    sp.append(k, val);
  }
  return { queryString: sp.toString(), params };
}

/**
 * Replaces values of properties marked `x-unkey-redact: true` in the matching schema. Walks
 * the JSON body alongside the schema (properties, items, allOf/anyOf/oneOf); local $refs are
 * resolved against `root`.
 */
export function redactBody(body: unknown, schema: unknown, root: unknown, depth = 0): unknown {
  if (!schema || typeof schema !== "object" || depth > 32) return body;
  const s = resolveRef(schema as Record<string, unknown>, root);
  if (s["x-unkey-redact"] === true) return REDACTED;
  let out = body;
  for (const k of ["allOf", "anyOf", "oneOf"] as const) {
    if (Array.isArray(s[k])) for (const sub of s[k] as unknown[]) out = redactBody(out, sub, root, depth + 1);
  }
  if (Array.isArray(out) && s.items) return out.map((item) => redactBody(item, s.items, root, depth + 1));
  if (out && typeof out === "object" && !Array.isArray(out) && s.properties && typeof s.properties === "object") {
    const copy: Record<string, unknown> = { ...(out as Record<string, unknown>) };
    for (const [name, sub] of Object.entries(s.properties as Record<string, unknown>)) {
      if (name in copy) copy[name] = redactBody(copy[name], sub, root, depth + 1);
    }
    return copy;
  }
  return out;
}

function resolveRef(s: Record<string, unknown>, root: unknown): Record<string, unknown> {
  let cur = s;
  for (let i = 0; i < 16 && typeof cur.$ref === "string" && cur.$ref.startsWith("#/"); i++) {
    let target: unknown = root;
    for (const part of cur.$ref.slice(2).split("/")) {
      const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
      target = target && typeof target === "object" ? (target as Record<string, unknown>)[key] : undefined;
    }
    if (!target || typeof target !== "object") break;
    cur = target as Record<string, unknown>;
  }
  return cur;
}
