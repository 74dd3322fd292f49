#!/usr/bin/env node
/**
 * Compares the string limits (minLength, maxLength, pattern) of every request-body field of our
 * served /openapi.json with Unkey's spec, for the endpoints both have. Prints each difference and
 * exits 1 when there is one. Patterns are compared as regex sources (escaping may differ).
 *
 *   node scripts/check-spec-limits.mjs <api base URL or openapi.json file> <spec openapi.yaml> [--ids]
 *
 * `--ids` limits the check to id-like fields (…Id, …Ids, namespace, identity, permission, role …).
 */
import fs from "node:fs";
import YAML from "yaml";

const [source, specPath = "../shared/spec/openapi.yaml", flag] = process.argv.slice(2);
if (!source) {
  console.error("usage: check-spec-limits.mjs <base URL | openapi.json> <spec.yaml> [--ids]");
  process.exit(2);
}
const ours = /^https?:/.test(source) ? await (await fetch(new URL("/openapi.json", source))).json() : JSON.parse(fs.readFileSync(source, "utf8"));
const spec = YAML.parse(fs.readFileSync(specPath, "utf8"));

function deref(doc, s) {
  for (let n = 0; s?.$ref && n < 10; n++)
    s = s.$ref
      .split("/")
      .slice(1)
      .reduce((o, k) => o[k], doc);
  return s;
}
function fields(doc, s, prefix = "", out = {}) {
  s = deref(doc, s);
  if (!s) return out;
  for (const k of ["allOf", "oneOf", "anyOf"]) for (const x of s[k] ?? []) fields(doc, x, prefix, out);
  for (const [k, raw] of Object.entries(s.properties ?? {})) {
    const v = deref(doc, raw);
    out[prefix + k] = v;
    if (v.type === "array" && v.items) {
      const item = deref(doc, v.items);
      out[`${prefix}${k}[]`] = item;
      fields(doc, item, `${prefix}${k}[].`, out);
    } else if (v.properties || v.allOf || v.oneOf) fields(doc, v, `${prefix}${k}.`, out);
  }
  return out;
}
const ID = /(Id|Ids|^id|\.id|namespace|identity|identifier|permission|role|project|app|environment)(\[\])?$/;
const samePattern = (a, b) => a === b || (a && b && a.replace(/\\(.)/g, "$1") === b.replace(/\\(.)/g, "$1"));

let differences = 0;
for (const [path, item] of Object.entries(ours.paths)) {
  const theirs = spec.paths?.[path];
  if (!theirs?.post || !item.post) continue;
  const a = fields(ours, item.post.requestBody?.content?.["application/json"]?.schema);
  const b = fields(spec, theirs.post.requestBody?.content?.["application/json"]?.schema);
  for (const [name, mine] of Object.entries(a)) {
    if (flag === "--ids" && !ID.test(name)) continue;
    const ref = b[name];
    if (!ref) continue;
    for (const key of ["minLength", "maxLength"]) {
      if (mine[key] !== ref[key]) {
        differences++;
        console.log(`${path} ${name}: ${key} ours=${mine[key]} spec=${ref[key]}`);
      }
    }
    if (!samePattern(mine.pattern, ref.pattern)) {
      differences++;
      console.log(`${path} ${name}: pattern ours=${mine.pattern} spec=${ref.pattern}`);
    }
  }
}
console.log(differences ? `${differences} difference(s)` : "no differences");
process.exit(differences ? 1 : 0);
