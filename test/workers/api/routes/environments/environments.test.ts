import { describe, expect, it } from "vitest";
import { env as workerEnv } from "cloudflare:test";
import { call, newWorkspace, rootKeyWith } from "../../../../helpers/harness";

async function env() {
  const { rootKey } = await newWorkspace();
  await call("projects.createProject", { name: "p", slug: "proj" }, rootKey);
  await call("apps.createApp", { project: "proj", name: "web", slug: "web" }, rootKey);
  return { rootKey, where: { project: "proj", app: "web", environment: "production" } };
}

describe("environments.*", () => {
  it("updates settings: omitted fields stay, null clears, the next deployment captures them", async () => {
    const { rootKey, where } = await env();
    const upd = await call(
      "environments.updateSettings",
      {
        ...where,
        port: 3000,
        vCpus: 1.5,
        memoryMib: 1024,
        command: ["node", "server.js"],
        openapiSpecPath: "/openapi.json",
        healthcheck: { method: "GET", path: "/health" },
        regions: [{ name: "eu-central-1", replicas: { min: 1, max: 2 } }],
      },
      rootKey,
    );
    expect(upd.status).toBe(200);
    const got = (await call("environments.getEnvironment", where, rootKey)).body.data;
    expect(got.runtime).toMatchObject({
      port: 3000,
      vCpus: 1.5,
      memoryMib: 1024,
      storageMib: 0,
      command: ["node", "server.js"],
      openapiSpecPath: "/openapi.json",
      healthcheck: { method: "GET", path: "/health" },
    });
    expect(got.regions).toEqual([{ name: "eu-central-1", replicas: { min: 1, max: 2 } }]);
    await call("environments.updateSettings", { ...where, healthcheck: null, openapiSpecPath: null }, rootKey);
    const cleared = (await call("environments.getEnvironment", where, rootKey)).body.data.runtime;
    expect(cleared.healthcheck).toBeUndefined();
    expect(cleared.openapiSpecPath).toBeUndefined();
    expect(cleared.port).toBe(3000);
    for (const bad of [{ vCpus: 0.3 }, { memoryMib: 300 }, { port: 0 }, { storageMib: 100 }, { shutdownSignal: "SIGHUP" }, { regions: [] }]) {
      expect((await call("environments.updateSettings", { ...where, ...bad }, rootKey)).status, JSON.stringify(bad)).toBe(400);
    }
    const dep = await call("deployments.createDeployment", { ...where, upstream: { url: "https://o.example" } }, rootKey);
    const d = (await call("deployments.getDeployment", { deploymentId: dep.body.data.deploymentId }, rootKey)).body.data;
    expect(d.runtime).toMatchObject({ port: 3000, vCpus: 1.5, memoryMib: 1024 });
  });

  it("keeps forwardUnderscoreHeaders (our extension): false by default, a boolean only, captured by the next deployment", async () => {
    const { rootKey, where } = await env();
    expect((await call("environments.getEnvironment", where, rootKey)).body.data.runtime.forwardUnderscoreHeaders).toBe(false);
    expect((await call("environments.updateSettings", { ...where, forwardUnderscoreHeaders: "true" }, rootKey)).status).toBe(400);
    expect((await call("environments.updateSettings", { ...where, forwardUnderscoreHeaders: true }, rootKey)).status).toBe(200);
    expect((await call("environments.updateSettings", { ...where, port: 3001 }, rootKey)).status).toBe(200);
    expect((await call("environments.getEnvironment", where, rootKey)).body.data.runtime.forwardUnderscoreHeaders).toBe(true);
    const dep = await call("deployments.createDeployment", { ...where, upstream: { url: "https://o.example" } }, rootKey);
    const row = await workerEnv.DB.prepare("SELECT runtime FROM deployments WHERE id = ?1").bind(dep.body.data.deploymentId).first<{ runtime: string }>();
    expect(JSON.parse(row!.runtime).forwardUnderscoreHeaders).toBe(true);
  });

  it("needs environment.*.read_environment to read and update_environment to change", async () => {
    const { rootKey, where } = await env();
    const reader = await rootKeyWith(rootKey, ["environment.*.read_environment"]);
    expect((await call("environments.getEnvironment", where, reader)).status).toBe(200);
    expect((await call("environments.updateSettings", { ...where, port: 1 }, reader)).status).toBe(403);
    expect((await call("environments.getEnvironment", { ...where, environment: "staging" }, rootKey)).status).toBe(404);
  });

  it("stores variables encrypted, lists values of recoverable ones only, prunes and removes", async () => {
    const { rootKey, where } = await env();
    if (!workerEnv.ENCRYPTION_KEYS) {
      const res = await call("environments.setEnvironmentVariables", { ...where, variables: [{ key: "A", value: "1" }] }, rootKey);
      expect(res.status).toBe(412);
      return;
    }
    const set = await call(
      "environments.setEnvironmentVariables",
      {
        ...where,
        variables: [
          { key: "DATABASE_URL", value: "postgres://secret", description: "primary db" },
          { key: "PUBLIC_NAME", value: "shop", kind: "recoverable" },
        ],
      },
      rootKey,
    );
    expect(set.status).toBe(200);
    const raw = await workerEnv.DB.prepare("SELECT encrypted FROM environment_variables WHERE key = 'DATABASE_URL'").all<{ encrypted: string }>();
    expect(raw.results.every((r) => !r.encrypted.includes("postgres"))).toBe(true);
    const list = await call("environments.listEnvironmentVariables", where, rootKey);
    expect(list.body.data.map((v: { key: string; kind: string; value?: string }) => [v.key, v.kind, v.value])).toEqual([
      ["DATABASE_URL", "writeonly", undefined],
      ["PUBLIC_NAME", "recoverable", "shop"],
    ]);
    expect(list.body.data[0].description).toBe("primary db");
    expect((await call("environments.setEnvironmentVariables", { ...where, variables: [{ key: "PORT", value: "1" }] }, rootKey)).status).toBe(400);
    expect((await call("environments.setEnvironmentVariables", { ...where, variables: [{ key: "1BAD", value: "1" }] }, rootKey)).status).toBe(400);
    await call("environments.setEnvironmentVariables", { ...where, variables: [{ key: "ONLY", value: "x" }], prune: true }, rootKey);
    expect((await call("environments.listEnvironmentVariables", where, rootKey)).body.data.map((v: { key: string }) => v.key)).toEqual(["ONLY"]);
    expect((await call("environments.removeEnvironmentVariables", { ...where, variables: ["ONLY", "MISSING"] }, rootKey)).status).toBe(200);
    expect((await call("environments.listEnvironmentVariables", where, rootKey)).body.data).toEqual([]);
  });
});
