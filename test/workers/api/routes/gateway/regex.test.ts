import { describe, expect, it } from "vitest";
import { call, errorType, newWorkspace } from "../../../../helpers/harness";

/** ReDoS: match-rule regexes are RE2, checked with re2js when policies are written. */
async function env() {
  const { rootKey } = await newWorkspace();
  await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
  await call("apps.createApp", { project: "proj", name: "web", slug: "web" }, rootKey);
  return { rootKey, where: { project: "proj", app: "web", environment: "production" } };
}

const ok = { name: "ok", enabled: true, firewall: { action: "ACTION_DENY" } };
const withRegex = (regex: string, where: "path" | "header" = "path") => ({
  name: `re ${regex}`,
  enabled: true,
  match: [{ method: { methods: ["GET"] } }, where === "path" ? { path: { path: { regex } } } : { header: { name: "x-a", value: { regex } } }],
  firewall: { action: "ACTION_DENY" },
});

describe("gateway policies: RE2 regexes", () => {
  it("refuses patterns RE2 does not accept with 400 invalid_input naming the rule (policies[2].match[1])", async () => {
    const { rootKey, where } = await env();
    // backreference, lookahead, lookbehind, a repeat over RE2's limit, a bad class
    for (const regex of ["(a)\\1", "(?=a)", "(?<!a)b", "a{1001}", "[z-a]"]) {
      const res = await call("gateway.setPolicies", { ...where, policies: [ok, ok, withRegex(regex)] }, rootKey);
      expect(res.status, regex).toBe(400);
      expect(res.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
      const e = res.body.error!.errors![0]!;
      expect(e.location, regex).toMatch(/^policies\[2\]\.match\[1\]/);
      expect(e.message, regex).toContain("RE2");
    }
    const header = await call("gateway.setPolicies", { ...where, policies: [withRegex("(?=x)", "header")] }, rootKey);
    expect(header.body.error!.errors![0]!.location).toMatch(/^policies\[0\]\.match\[1\]\.header/);
    expect((await call("gateway.listPolicies", where, rootKey)).body.data).toEqual([]);
  });

  it("accepts RE2 patterns, including nested quantifiers that would backtrack in JavaScript, and RE2-only syntax", async () => {
    const { rootKey, where } = await env();
    for (const regex of ["^/(a+)+$", "(x+x+)+y", "(?i)^/admin", "\\pL+", "(?P<id>[0-9]+)"]) {
      const res = await call("gateway.setPolicies", { ...where, policies: [withRegex(regex)] }, rootKey);
      expect(res.status, `${regex}: ${JSON.stringify(res.body.error)}`).toBe(200);
    }
  });
});
