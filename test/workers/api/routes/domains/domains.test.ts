import { describe, expect, it } from "vitest";
import { call, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

async function env() {
  const { rootKey } = await newWorkspace();
  await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
  await call("apps.createApp", { project: "proj", name: "web", slug: "web" }, rootKey);
  return { rootKey, where: { project: "proj", app: "web", environment: "production" } };
}

describe("domains.*", () => {
  it("claims a domain with DNS records; it stays pending and unrouted until verified", async () => {
    const { rootKey, where } = await env();
    const name = `api-${crypto.randomUUID().slice(0, 8)}.example.com`;
    const created = await call("domains.createDomain", { ...where, domain: name }, rootKey);
    expect(created.status).toBe(200);
    expect(created.body.data.domainId).toMatch(/^dom_/);
    expect(created.body.data.dnsRecords.map((r: { type: string }) => r.type)).toEqual(["TXT", "CNAME"]);
    expect(created.body.data.dnsRecords[0].name).toBe(`_unkey.${name}`);
    const got = await call("domains.getDomain", { domain: name }, rootKey);
    expect(got.body.data).toMatchObject({ id: created.body.data.domainId, domain: name, status: "pending" });
    expect((await call("domains.getDomain", { domain: created.body.data.domainId }, rootKey)).status).toBe(200);
    const envRes = await call("environments.getEnvironment", where, rootKey);
    expect(envRes.body.data.hostnames).not.toContain(name);
    const list = await call("domains.listDomains", where, rootKey);
    expect(list.body.data.map((d: { domain: string }) => d.domain)).toEqual([name]);
    expect((await call("domains.deleteDomain", { domain: name }, rootKey)).status).toBe(200);
    expect((await call("domains.getDomain", { domain: name }, rootKey)).status).toBe(404);
    expect((await call("environments.getEnvironment", where, rootKey)).body.data.hostnames).not.toContain(name);
  });

  it("lets several workspaces hold a pending claim of one name, each with its own token", async () => {
    const a = await env();
    const b = await env();
    const name = `claim-${crypto.randomUUID().slice(0, 8)}.example.com`;
    const first = await call("domains.createDomain", { ...a.where, domain: name }, a.rootKey);
    const second = await call("domains.createDomain", { ...b.where, domain: name }, b.rootKey);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(first.body.data.dnsRecords[0].value).not.toBe(second.body.data.dnsRecords[0].value);
    expect((await call("domains.getDomain", { domain: name }, a.rootKey)).body.data.id).toBe(first.body.data.domainId);
    expect((await call("domains.getDomain", { domain: name }, b.rootKey)).body.data.id).toBe(second.body.data.domainId);
    // deleting one claim leaves the other
    expect((await call("domains.deleteDomain", { domain: name }, a.rootKey)).status).toBe(200);
    expect((await call("domains.getDomain", { domain: name }, b.rootKey)).status).toBe(200);
  });

  it("refuses duplicates (409), malformed names and the generated base domain (400)", async () => {
    const { rootKey, where } = await env();
    const name = `dup-${crypto.randomUUID().slice(0, 8)}.example.org`;
    expect((await call("domains.createDomain", { ...where, domain: name }, rootKey)).status).toBe(200);
    expect((await call("domains.createDomain", { ...where, domain: name.toUpperCase() }, rootKey)).status).toBe(409);
    for (const bad of ["https://x.example.com", "x.example.com:8080", "x.example.com/path", "nodots", "*.example.com"]) {
      expect((await call("domains.createDomain", { ...where, domain: bad }, rootKey)).status, bad).toBe(400);
    }
    expect((await call("domains.createDomain", { ...where, domain: "mine.localhost" }, rootKey)).status).toBe(400);
  });

  it("hides domains and environments from root keys without domain permissions (404)", async () => {
    const { rootKey, where } = await env();
    const name = `hid-${crypto.randomUUID().slice(0, 8)}.example.net`;
    await call("domains.createDomain", { ...where, domain: name }, rootKey);
    const none = await rootKeyWith(rootKey, ["environment.*.read_environment"]);
    expect((await call("domains.getDomain", { domain: name }, none)).status).toBe(404);
    expect((await call("domains.createDomain", { ...where, domain: `x${name}` }, none)).status).toBe(404);
    expect((await call("domains.listDomains", where, none)).status).toBe(404);
    expect((await call("domains.deleteDomain", { domain: name }, none)).status).toBe(404);
    const reader = await rootKeyWith(rootKey, ["environment.*.read_domain"]);
    expect((await call("domains.getDomain", { domain: name }, reader)).status).toBe(200);
  });
});
