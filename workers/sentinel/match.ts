import type { RE2JS } from "re2js";
import { compileRegex, type MatchExprT, type StringMatchT } from "../lib/deploy/policies";

/** What policies look at: the request as the client sent it (reserved headers already gone). */
export interface RequestFacts {
  method: string;
  path: string;
  url: URL;
  headers: Headers;
}

const regexCache = new Map<string, RE2JS>();

/** RE2 (linear time), as validated at write time: no backtracking on client-chosen input. */
function compile(pattern: string, ignoreCase: boolean): RE2JS {
  const id = `${ignoreCase ? "i" : "-"}${pattern}`;
  let re = regexCache.get(id);
  if (!re) {
    re = compileRegex(pattern, ignoreCase);
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(id, re);
  }
  return re;
}

/** exact / prefix / regex (unanchored), optionally case-insensitive. */
export function stringMatches(m: StringMatchT, value: string): boolean {
  const ic = m.ignoreCase === true;
  if (m.exact !== undefined) return ic ? value.toLowerCase() === m.exact.toLowerCase() : value === m.exact;
  if (m.prefix !== undefined) return ic ? value.toLowerCase().startsWith(m.prefix.toLowerCase()) : value.startsWith(m.prefix);
  if (m.regex !== undefined) return compile(m.regex, ic).matcher(value).find();
  return false;
}

/** Every value of a header: repeated headers arrive comma-joined in Headers. */
function headerValues(headers: Headers, name: string): string[] {
  const v = headers.get(name);
  if (v === null) return [];
  return name.toLowerCase() === "set-cookie" ? [v] : [v, ...v.split(",").map((s) => s.trim())];
}

export function conditionMatches(m: MatchExprT, req: RequestFacts): boolean {
  if (m.path) return stringMatches(m.path.path, req.path);
  if (m.method) return m.method.methods.some((x) => x.toUpperCase() === req.method.toUpperCase());
  if (m.header) {
    const values = headerValues(req.headers, m.header.name);
    if (m.header.value) return values.some((v) => stringMatches(m.header!.value!, v));
    return values.length > 0;
  }
  if (m.queryParam) {
    const values = req.url.searchParams.getAll(m.queryParam.name);
    if (m.queryParam.value) return values.some((v) => stringMatches(m.queryParam!.value!, v));
    return req.url.searchParams.has(m.queryParam.name);
  }
  return false;
}

/** All conditions must hold (AND); none means every request. */
export function policyMatches(match: MatchExprT[] | undefined, req: RequestFacts): boolean {
  return (match ?? []).every((m) => conditionMatches(m, req));
}
