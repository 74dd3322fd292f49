import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, newWorkspace } from "../../helpers/harness";
import { ROUTE_FRESH_MS, resolveRoute, routeTtl } from "../../../workers/sentinel/routing";
import { Rejection } from "../../../workers/sentinel/errors";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function liveApp(slug: string) {
  const { rootKey } = await newWorkspace();
  await call("projects.createProject", { name: "p", slug }, rootKey);
  await call("apps.createApp", { project: slug, name: "web", slug: "web" }, rootKey);
  const deploy = async () => {
    const res = await call(
      "deployments.createDeployment",
      { project: slug, app: "web", environment: "production", upstream: { url: "https://origin.example/" } },
      rootKey,
    );
    return res.body.data.deploymentId as string;
  };
  const first = await deploy();
  const got = await call("deployments.getDeployment", { deploymentId: first }, rootKey);
  // [pinned deployment, live, environment]
  const live = (got.body.data.domains as string[])[1]!;
  return { rootKey, first, live, deploy };
}

const resolve = (host: string, ttl: number) => resolveRoute(env.DB, host, "localhost", ttl);

describe("the Sentinel's route of a host", () => {
  it("comes from isolate memory within its fresh time and follows a promote after it", async () => {
    const app = await liveApp("rt-promote");
    expect((await resolve(app.live, 300)).deploymentId).toBe(app.first);
    const second = await app.deploy(); // a new production deployment becomes current
    // within the bound: the remembered route, no D1 read
    expect((await resolve(app.live, 300)).deploymentId).toBe(app.first);
    await sleep(350);
    expect((await resolve(app.live, 300)).deploymentId).toBe(second);
    // rollback is seen within the bound too
    expect((await call("deployments.rollbackDeployment", { deploymentId: app.first }, app.rootKey)).status).toBeLessThan(300);
    await sleep(350);
    expect((await resolve(app.live, 300)).deploymentId).toBe(app.first);
  });

  it("remembers refusals for the same bound: a host that starts routing is seen after it", async () => {
    const { rootKey } = await newWorkspace();
    await call("projects.createProject", { name: "p", slug: "rt-late" }, rootKey);
    await call("apps.createApp", { project: "rt-late", name: "web", slug: "web" }, rootKey);
    const envs = await call("environments.listEnvironments", { project: "rt-late", app: "web" }, rootKey);
    const host = JSON.stringify(envs.body.data).match(/"(rt-late-web-[^"]*\.localhost)"/)?.[1];
    expect(host).toBeDefined();
    await expect(resolve(host!, 300)).rejects.toBeInstanceOf(Rejection);
    await call(
      "deployments.createDeployment",
      { project: "rt-late", app: "web", environment: "production", upstream: { url: "https://origin.example/" } },
      rootKey,
    );
    await expect(resolve(host!, 300)).rejects.toBeInstanceOf(Rejection);
    await sleep(350);
    expect((await resolve(host!, 300)).status).toBe("ready");
  });

  it("with a fresh time of 0 every request reads D1", async () => {
    const app = await liveApp("rt-zero");
    expect((await resolve(app.live, 0)).deploymentId).toBe(app.first);
    const second = await app.deploy();
    expect((await resolve(app.live, 0)).deploymentId).toBe(second);
  });

  it("SENTINEL_ROUTE_TTL_MS can shorten the bound, never lengthen it past 1 s", () => {
    expect(ROUTE_FRESH_MS).toBe(1000);
    expect(routeTtl(undefined)).toBe(1000);
    expect(routeTtl("250")).toBe(250);
    expect(routeTtl("0")).toBe(0);
    expect(routeTtl("60000")).toBe(1000);
    expect(routeTtl("nope")).toBe(1000);
  });
});

describe("which deployment a host routes to", () => {
  it("a deployment's own hostname stays pinned to it; the live and environment hostnames follow the newest deployment", async () => {
    const app = await liveApp("rt-pin");
    const got = await call("deployments.getDeployment", { deploymentId: app.first }, app.rootKey);
    const [pinned, live, environment] = got.body.data.domains as string[];
    const second = await app.deploy();
    expect((await resolve(pinned!, 0)).deploymentId).toBe(app.first);
    expect((await resolve(live!, 0)).deploymentId).toBe(second);
    expect((await resolve(environment!, 0)).deploymentId).toBe(second);
  });

  it("reads the Host case-insensitively, without its port or a trailing dot", async () => {
    const app = await liveApp("rt-spelling");
    for (const spelling of [app.live.toUpperCase(), `${app.live}:8788`, `${app.live}.`]) {
      expect((await resolve(spelling, 0)).deploymentId).toBe(app.first);
    }
  });

  it("refuses hosts that name no route: the base domain itself, a nested label, an IPv6 literal, no Host", async () => {
    const app = await liveApp("rt-refuse");
    for (const host of ["localhost", `x.${app.live}`, "[::1]:8788", "unknown-host.localhost"]) {
      await expect(resolve(host, 0)).rejects.toMatchObject({ code: "routing:config_not_found" });
    }
    await expect(resolveRoute(env.DB, null, "localhost", 0)).rejects.toMatchObject({ code: "routing:config_not_found" });
  });
});
