import { env, SELF } from "cloudflare:test";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_KEY, newApi, newWorkspace } from "../../helpers/harness";

/**
 * Property-based fuzzing of every endpoint in our own /openapi.json: wrong types, missing and
 * extra fields, huge strings and arrays, deep nesting, out-of-range numbers, injection strings,
 * invalid UTF-8. Every answer must be < 500, every rejection an error envelope, and a rejected
 * request must leave the database exactly as it was.
 *
 * FUZZ_RUNS (binding, default 12) sets the cases per endpoint; the long mode sets it higher.
 */
const RUNS = Number((env as unknown as { FUZZ_RUNS?: string }).FUZZ_RUNS ?? 12);

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; $ref?: string; anyOf?: Schema[]; oneOf?: Schema[] };
type Op = { path: string; schema: Schema | undefined };

let doc: {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
  components: { schemas: Record<string, Schema> };
};
let ops: Op[] = [];
let rootKey = "";
let apiId = "";
let fingerprintSql: string[] = [];

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE keys; --",
  '") UNION SELECT * FROM root_keys --',
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  "../../etc/passwd",
  "\u0000\u0001\u0002",
  "\ud800",
  "𝕌𝕟𝕚𝕔𝕠𝕕𝕖 ✓",
  "\r\nX-Injected: 1",
  "api.*.*",
  "*",
  "%s%s%s%n",
];

function deep(depth: number): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

const nasty = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.constantFrom(null, true, false, 0, -1, 1.5, -1e308, 1e308, Number.MAX_SAFE_INTEGER + 2, -(2 ** 63)),
  fc.string({ maxLength: 40 }),
  fc.constant("x".repeat(20_000)),
  fc.constant(Array.from({ length: 2_000 }, (_, i) => `item${i}`)),
  fc.constant(deep(400)),
  fc.array(fc.constantFrom(...INJECTIONS), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
);

function resolve(s: Schema | undefined): Schema | undefined {
  if (s?.$ref) return doc.components.schemas[s.$ref.split("/").pop()!];
  return s;
}

function bodyFor(op: Op) {
  const props = Object.keys(resolve(op.schema)?.properties ?? {});
  const shaped = fc
    .record({
      picked: fc.subarray(props),
      values: fc.array(nasty, { minLength: props.length, maxLength: props.length }),
      extra: fc.option(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), nasty), { nil: undefined }),
    })
    .map(({ picked, values, extra }) => {
      const o: Record<string, unknown> = {};
      for (const [i, p] of picked.entries()) o[p] = values[i];
      if (extra) o[`zz_${extra[0]}`] = extra[1];
      return JSON.stringify(o);
    });
  return fc.oneof(
    { weight: 6, arbitrary: shaped },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom("", "{", "[]", "null", '{"a":', "\u0000") },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => new Uint8Array([0x7b, 0x22, 0xff, 0xfe, ...b, 0x22, 0x7d])) },
  );
}

async function fingerprint(): Promise<string> {
  const rows = await env.DB.batch(fingerprintSql.map((q) => env.DB.prepare(q)));
  return JSON.stringify(rows.map((r) => r.results));
}

beforeAll(async () => {
  doc = (await (await SELF.fetch("http://api.test/openapi.json")).json()) as typeof doc;
  ops = Object.entries(doc.paths)
    .filter(([p, m]) => p.startsWith("/v2/") && m.post)
    .map(([path, m]) => ({ path, schema: m.post!.requestBody?.content?.["application/json"]?.schema }));
  const ws = await newWorkspace("fuzz");
  rootKey = ws.rootKey;
  apiId = await newApi(rootKey);
  const tables = await env.DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE 'd1_%'",
  ).all<{ name: string }>();
  fingerprintSql = [];
  for (const { name } of tables.results) {
    const cols = await env.DB.prepare(`SELECT name FROM pragma_table_info('${name}')`).all<{ name: string }>();
    const hasUpdated = cols.results.some((c) => c.name === "updated_at");
    fingerprintSql.push(`SELECT '${name}' AS t, count(*) AS n, max(rowid) AS r${hasUpdated ? ", max(updated_at) AS u" : ""} FROM "${name}"`);
  }
});

describe("fuzzing every endpoint's body", () => {
  it("finds the endpoints to fuzz in /openapi.json", () => {
    expect(ops.length).toBeGreaterThan(20);
  });

  it("the database fingerprint notices a write (so the no-write check can fail)", async () => {
    const before = await fingerprint();
    await SELF.fetch("http://api.test/v2/apis.createApi", {
      method: "POST",
      headers: { authorization: `Bearer ${rootKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "fingerprint probe" }),
    });
    expect(await fingerprint()).not.toBe(before);
  });

  it("never answers 5xx, always an error envelope for 4xx, and a rejected request writes nothing", async () => {
    const failures: string[] = [];
    const statuses: Record<number, number> = {};
    let cases = 0;
    for (const op of ops) {
      const token = op.path.startsWith("/v2/workspaces.") ? ADMIN_KEY : rootKey;
      await fc.assert(
        fc.asyncProperty(bodyFor(op), fc.boolean(), async (body, withApi) => {
          cases++;
          // half the cases point id-like fields at a real API, so validation past lookups is reached
          let payload: string | Uint8Array = body;
          if (withApi && typeof body === "string" && body.startsWith("{") && body.includes('"apiId"') === false) {
            payload = body === "{}" ? JSON.stringify({ apiId }) : body.replace(/^\{/, `{"apiId":${JSON.stringify(apiId)},`);
          }
          const before = await fingerprint();
          const res = await SELF.fetch(`http://api.test${op.path}`, {
            method: "POST",
            headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
            body: payload,
          });
          const text = await res.text();
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (res.status >= 500) {
            failures.push(`${op.path} → ${res.status}: ${text.slice(0, 300)} for ${String(payload).slice(0, 200)}`);
            return;
          }
          if (res.status >= 400) {
            let parsed: any;
            try {
              parsed = JSON.parse(text);
            } catch {
              failures.push(`${op.path} → ${res.status} non-JSON: ${text.slice(0, 100)}`);
              return;
            }
            const e = parsed?.error;
            if (
              !parsed?.meta?.requestId ||
              !e ||
              typeof e.title !== "string" ||
              typeof e.detail !== "string" ||
              e.status !== res.status ||
              !String(e.type).startsWith("https://unkey.com/docs/errors/")
            ) {
              failures.push(`${op.path} → ${res.status} not an error envelope: ${text.slice(0, 200)}`);
            }
            if (res.status === 400 && !Array.isArray(e?.errors)) failures.push(`${op.path} → 400 without errors[]`);
            const after = await fingerprint();
            if (after !== before) failures.push(`${op.path} → ${res.status} but the database changed, body ${String(payload).slice(0, 200)}`);
          }
        }),
        { numRuns: RUNS, seed: 42 + ops.indexOf(op) },
      );
    }
    // one line for RELIABILITY.md: what the run covered and found
    const fivexx = Object.entries(statuses)
      .filter(([s]) => Number(s) >= 500)
      .reduce((n, [, c]) => n + c, 0);
    console.log(`fuzz summary: ${ops.length} endpoints, ${cases} cases, statuses ${JSON.stringify(statuses)}, 5xx ${fivexx}, failures ${failures.length}`);
    expect(failures.slice(0, 20)).toEqual([]);
    expect(cases).toBe(ops.length * RUNS);
  }, 600_000);
});
