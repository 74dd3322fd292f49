import { describe, expect, it } from "vitest";
import { call, errorType, newWorkspace } from "../../../../helpers/harness";

/**
 * SSRF at write time: deployments whose upstream points into the operator's network are
 * refused with 400 invalid_input naming the field (ALLOW_LOCAL_DESTINATIONS is off here).
 */
async function app() {
  const { rootKey } = await newWorkspace();
  await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
  await call("apps.createApp", { project: "proj", name: "web", slug: "web" }, rootKey);
  return rootKey;
}
const deploy = (rootKey: string, body: Record<string, unknown>) =>
  call("deployments.createDeployment", { project: "proj", app: "web", environment: "production", ...body }, rootKey);

const REFUSED = [
  "http://127.0.0.1:9229/json",
  "http://2130706433/",
  "http://0x7f.1/",
  "http://0177.0.0.1/",
  "http://127.1/",
  "http://[::1]/",
  "http://[::ffff:127.0.0.1]/",
  "http://[::ffff:7f00:1]/",
  "http://localhost:8787/",
  "http://localhost./",
  "http://api.localhost/",
  "http://0.0.0.0/",
  "http://[::]/",
  "http://10.0.0.1/",
  "http://172.16.0.1/",
  "http://192.168.0.1/",
  "http://100.64.0.1/",
  "http://169.254.169.254/latest/meta-data/",
  "http://[fe80::1]/",
  "http://[fd00::1]/",
  "http://example.com@127.0.0.1/",
  "http://user:secret@example.com/",
];

describe("deployment upstreams: the destination policy at write time", () => {
  it("refuses every loopback, private, link-local, mapped and numeric spelling with 400 naming upstream.url, and stores nothing", async () => {
    const rootKey = await app();
    for (const url of REFUSED) {
      const res = await deploy(rootKey, { upstream: { url } });
      expect(res.status, url).toBe(400);
      expect(res.body.error!.type).toBe(errorType("unkey/application/invalid_input"));
      expect(
        res.body.error!.errors!.map((e: { location: string }) => e.location),
        url,
      ).toContain("/body/upstream/url");
    }
    const list = await call("deployments.listDeployments", { project: "proj", app: "web" }, rootKey);
    expect(list.body.data ?? []).toHaveLength(0);
  });

  it("names image.dockerImage and deploy.createDeployment's dockerImage when the upstream came from there", async () => {
    const rootKey = await app();
    const res = await deploy(rootKey, { image: { dockerImage: "http://169.254.169.254/" } });
    expect(res.status).toBe(400);
    expect(res.body.error!.errors![0]!.location).toBe("/body/image/dockerImage");
    const cli = await call(
      "deploy.createDeployment",
      { project: "proj", app: "web", branch: "main", environmentSlug: "production", dockerImage: "http://0x7f.1:9229/" },
      rootKey,
    );
    expect(cli.status).toBe(400);
    expect(cli.body.error!.errors![0]!.location).toBe("/body/dockerImage");
  });

  it("refuses the platform's own hostnames: the API's origin and names under SENTINEL_BASE_DOMAIN", async () => {
    const rootKey = await app();
    // the harness calls the API at http://api.test (its origin); generated hostnames are *.localhost
    for (const url of [
      "http://api.test/v2/keys.createKey",
      "https://api.test:8443/",
      "https://proj-web-production.localhost/",
      "http://example.com.localhost/",
    ]) {
      const res = await deploy(rootKey, { upstream: { url } });
      expect(res.status, url).toBe(400);
    }
  });

  it("refuses Worker upstreams naming the platform's own bindings", async () => {
    const rootKey = await app();
    for (const worker of ["API", "DB", "RATE_LIMITER", "USAGE_LIMITER"]) {
      const res = await deploy(rootKey, { upstream: { worker } });
      expect(res.status, worker).toBe(400);
      expect(res.body.error!.errors![0]!.location).toBe("/body/upstream/worker");
    }
    expect((await deploy(rootKey, { image: { dockerImage: "worker:DB" } })).status).toBe(400);
  });

  it("accepts public origins", async () => {
    const rootKey = await app();
    for (const url of ["https://example.com", "https://1.1.1.1", "http://[2606:4700:4700::1111]:8080/api"])
      expect((await deploy(rootKey, { upstream: { url } })).status, url).toBe(201);
  });
});
