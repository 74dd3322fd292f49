// The local runner (scripts/runner.mjs, scripts/lib/runner.mjs): instances that cannot cross
// wires, an honest start-up, and its security edges (client IP, outbound network, inspector).
import { spawn } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2E_ADMIN_KEY, E2E_ENCRYPTION_KEYS, startRunnerInstance, type RunnerInstance } from "../helpers/runner";
import { startApi, type TestServer } from "../helpers/server";
// @ts-expect-error plain ESM helper shared with the scripts
import { ROOT } from "../../../scripts/lib/wrangler.mjs";
import { rawExchange } from "../helpers/raw";

async function call(base: string, op: string, body: unknown, token: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/v2/${op}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** A request to a Sentinel with the given Host header (fetch cannot set Host). */
function through(sentinel: string, host: string, p: string, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const { port } = new URL(sentinel);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path: p, headers: { accept: "application/json", ...headers, host } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        let body: any = text;
        try {
          body = JSON.parse(text);
        } catch {}
        const h = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") h.set(k, v);
        resolve({ status: res.statusCode ?? 0, body, headers: h });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** On one runner: a workspace, an API with a key, and an app whose production serves `upstream` behind keyauth. */
async function gateway(api: string, name: string, upstream: unknown = { worker: "ECHO" }, policies?: unknown[]) {
  const ws = await call(api, "workspaces.createWorkspace", { name }, E2E_ADMIN_KEY);
  expect(ws.status, JSON.stringify(ws.body)).toBe(200);
  const rootKey = ws.body.data.rootKey as string;
  const apiId = (await call(api, "apis.createApi", { name: "gateway" }, rootKey)).body.data.apiId as string;
  const key = (await call(api, "keys.createKey", { apiId }, rootKey)).body.data.key as string;
  expect((await call(api, "projects.createProject", { name, slug: name }, rootKey)).status).toBe(200);
  expect((await call(api, "apps.createApp", { project: name, name: "web", slug: "web" }, rootKey)).status).toBe(200);
  const set = await call(
    api,
    "gateway.setPolicies",
    { project: name, app: "web", environment: "production", policies: policies ?? [{ name: "keys", enabled: true, keyauth: { keyspaces: [apiId] } }] },
    rootKey,
  );
  expect(set.status, JSON.stringify(set.body)).toBe(200);
  const dep = await call(api, "deployments.createDeployment", { project: name, app: "web", environment: "production", upstream }, rootKey);
  expect(dep.status, JSON.stringify(dep.body)).toBe(201);
  const env = await call(api, "environments.getEnvironment", { project: name, app: "web", environment: "production" }, rootKey);
  return { rootKey, apiId, key, host: (env.body.data.hostnames as string[])[0]! };
}

describe("two runners side by side", () => {
  let one: RunnerInstance;
  let two: RunnerInstance;
  beforeAll(async () => {
    [one, two] = await Promise.all([startRunnerInstance(), startRunnerInstance()]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([one?.stop(), two?.stop()]);
  });

  it("each Sentinel verifies its own keys: a key of instance 1 is rejected by Sentinel 2 and accepted by Sentinel 1", async () => {
    expect(one.stateDir).not.toBe(two.stateDir);
    expect(new Set([one.url, one.sentinelUrl, two.url, two.sentinelUrl]).size).toBe(4);
    const [g1, g2] = await Promise.all([gateway(one.url, "twin"), gateway(two.url, "twin")]);

    const mine = await through(one.sentinelUrl, g1.host, "/hello", { authorization: `Bearer ${g1.key}` });
    expect(mine.status, JSON.stringify(mine.body)).toBe(200);
    expect(mine.body.upstream).toBe("worker");
    // instance 1's key at instance 2's gateway (same project name): not a key there
    const foreign = await through(two.sentinelUrl, g2.host, "/hello", { authorization: `Bearer ${g1.key}` });
    expect(foreign.status).toBe(401);
    expect(foreign.body.error.code).toBe("err:frontline:client:invalid_key");
    // and instance 2 does not know instance 1's hostnames at all
    expect((await through(two.sentinelUrl, g1.host, "/hello", { authorization: `Bearer ${g1.key}` })).status).toBe(404);
    expect((await through(two.sentinelUrl, g2.host, "/hello", { authorization: `Bearer ${g2.key}` })).status).toBe(200);
  });
});

/** Runs `node scripts/runner.mjs` (what `npm start` runs) with env; resolves on exit. */
function npmStart(env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(ROOT, "scripts/runner.mjs")], {
      cwd: ROOT,
      env: { ...process.env, ADMIN_KEY: E2E_ADMIN_KEY, ENCRYPTION_KEYS: E2E_ENCRYPTION_KEYS, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => p.kill("SIGKILL"), timeoutMs);
    p.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("npm start on a busy port", () => {
  let stranger: Server;
  let port: number;
  beforeAll(async () => {
    // a stranger that answers every probe with 200, as another checkout's server would
    stranger = createServer((_req, res) => res.end('{"data":{"message":"OK"}}'));
    await new Promise<void>((r) => stranger.listen(0, "127.0.0.1", r));
    port = (stranger.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => stranger?.close(r));
  });

  it("exits non-zero naming the API port, and prints no ready banner", async () => {
    const r = await npmStart({ PORT: String(port), SENTINEL_PORT: "0" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`API port ${port} is already in use`);
    expect(r.stderr).toContain("PORT=<port>");
    expect(r.stdout).not.toContain("ADMIN_KEY");
  });

  it("exits non-zero naming the Sentinel port", async () => {
    const r = await npmStart({ PORT: "0", SENTINEL_PORT: String(port) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Sentinel port ${port} is already in use`);
    expect(r.stderr).toContain("SENTINEL_PORT=<port>");
  });
});

describe("client IP: a client-sent CF-Connecting-IP never survives", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startApi();
  });

  it("the API sees the socket's address: an IP allowlist of the forged address refuses, of 127.0.0.1 admits", async () => {
    const ws = await server.newWorkspace("client-ip");
    const apiId = (await call(server.url, "apis.createApi", { name: "ip-allowlist" }, ws.rootKey)).body.data.apiId;
    const { key } = (await call(server.url, "keys.createKey", { apiId }, ws.rootKey)).body.data;
    const forged = { "CF-Connecting-IP": "203.0.113.7" };

    expect((await call(server.url, "apis.updateApi", { apiId, ipWhitelist: "203.0.113.7" }, ws.rootKey)).status).toBe(200);
    const refused = await call(server.url, "keys.verifyKey", { key }, ws.rootKey, forged);
    expect(refused.body.data.code).toBe("FORBIDDEN");

    expect((await call(server.url, "apis.updateApi", { apiId, ipWhitelist: "127.0.0.1" }, ws.rootKey)).status).toBe(200);
    const admitted = await call(server.url, "keys.verifyKey", { key }, ws.rootKey, forged);
    expect(admitted.body.data.code).toBe("VALID");
  });

  it("the Sentinel sees the socket's address: the app gets X-Forwarded-For 127.0.0.1", async () => {
    const g = await gateway(server.url, "clientip");
    const res = await through(server.sentinelUrl, g.host, "/ip", {
      authorization: `Bearer ${g.key}`,
      "CF-Connecting-IP": "203.0.113.7",
      "MF-CF-Blob": '{"colo":"EVIL"}',
    });
    expect(res.status).toBe(200);
    expect(res.body.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(res.body.headers["cf-connecting-ip"]).not.toBe("203.0.113.7");
  });

  it("a client-sent CF-Ray (where the Workers read the colo) does not choose the region", async () => {
    const g = await gateway(server.url, "clientray");
    const res = await through(server.sentinelUrl, g.host, "/ip", { authorization: `Bearer ${g.key}`, "CF-Ray": "0123456789abcdef-EVIL" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-unkey-region")).not.toContain("EVIL");
    expect(res.body.headers["cf-ray"]).toBeUndefined();
  });
});

describe("the runner's front never ends on a client's request head", () => {
  let own: RunnerInstance;
  beforeAll(async () => {
    own = await startRunnerInstance();
  });
  afterAll(async () => {
    await own?.stop();
  });

  it("a Trailer / TE / Connection-named header (which makes Node's http.request throw) is dropped as hop-by-hop, and the runner keeps serving", async () => {
    for (const base of [own.url, own.sentinelUrl]) {
      const res = await rawExchange(
        base,
        "GET /v2/liveness HTTP/1.1\nHost: a.localhost\nConnection: close, X-Hop\nX-Hop: 1\nTrailer: X-T\nTE: trailers\nKeep-Alive: timeout=5\n\n",
      );
      expect(res).toMatch(/^HTTP\/1\.1 \d{3}/);
    }
    const live = await fetch(`${own.url}/v2/liveness`);
    expect(live.status).toBe(200);
  });
});

describe("outbound network: Workers' fetch() reaches loopback only with ALLOW_LOCAL_DESTINATIONS=1", () => {
  let origin: Server;
  let originUrl: string;
  let hits = 0;
  let closed: RunnerInstance;
  let open: TestServer;
  beforeAll(async () => {
    origin = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"upstream":"origin"}');
    });
    await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
    originUrl = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;
    // The Workers are told loopback is fine (so a deployment to it can be written); only the
    // runner's network layer stands between the Sentinel and 127.0.0.1.
    [closed, open] = await Promise.all([
      startRunnerInstance({ allowLocalDestinations: false, vars: { ALLOW_LOCAL_DESTINATIONS: "1" }, sentinelVars: { ALLOW_LOCAL_DESTINATIONS: "1" } }),
      startApi(),
    ]);
  }, 180_000);
  afterAll(async () => {
    await closed?.stop();
    await new Promise((r) => origin?.close(r));
  });

  it("is refused by default: the Sentinel answers with a gateway error and nothing reaches the local server", async () => {
    const g = await gateway(closed.url, "nolocal", { url: originUrl });
    const before = hits;
    const res = await through(closed.sentinelUrl, g.host, "/x", { authorization: `Bearer ${g.key}` });
    expect([502, 503], JSON.stringify(res.body)).toContain(res.status);
    expect(res.body.error.code).toMatch(/^err:frontline:/);
    expect(hits).toBe(before);
  });

  it("is allowed with ALLOW_LOCAL_DESTINATIONS=1", async () => {
    const g = await gateway(open.url, "local", { url: originUrl });
    const before = hits;
    const res = await through(open.sentinelUrl, g.host, "/x", { authorization: `Bearer ${g.key}` });
    expect(res.status).toBe(200);
    expect(res.body.upstream).toBe("origin");
    expect(hits).toBe(before + 1);
  });
});

/** TCP ports the process listens on (Linux /proc). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/);
      if (m) inodes.add(m[1]!);
    } catch {}
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] === "0A" && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(":")[1]!, 16));
    }
  }
  return ports;
}

/** Every port the runner process and its workerd child listen on. */
function runnerPorts(pid: number): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  return [pid, ...children].flatMap(listeningPorts);
}

async function speaksInspector(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/json/version`, { signal: AbortSignal.timeout(3000) });
    const text = await res.text();
    return text.includes("Protocol-Version") || text.includes("webSocketDebuggerUrl");
  } catch {
    return false;
  }
}

describe.runIf(process.platform === "linux")("inspector", () => {
  let idle: RunnerInstance;
  beforeAll(async () => {
    idle = await startRunnerInstance();
  }, 120_000);
  afterAll(async () => {
    await idle?.stop();
  });

  it("no port of the runner speaks the V8 inspector protocol unless asked", async () => {
    const ports = runnerPorts(idle.pid);
    expect(ports).toContain(Number(new URL(idle.url).port));
    for (const port of ports) expect(await speaksInspector(port), `port ${port}`).toBe(false);
  });

  it("with an inspector port (INSPECT=1), that port answers as an inspector", async () => {
    const { freePort } = await import("../../../scripts/lib/wrangler.mjs" as string);
    const inspectorPort = await freePort();
    const r = await startRunnerInstance({ inspectorPort });
    try {
      expect(await speaksInspector(inspectorPort)).toBe(true);
    } finally {
      await r.stop();
    }
  });
});
