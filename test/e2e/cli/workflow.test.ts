// The CLI against the local server, as a user runs it: a child process with its own HOME.
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2E_ADMIN_KEY, startApi, type TestServer } from "../helpers/server";
import { CLI, CLI_NODE, ROOT, runCli, tempHome } from "./run";

const hasScript = spawnSync("script", ["--version"]).status === 0;

let server: TestServer;
let home: string;
let rootKey: string;
let workspaceId: string;
let apiId: string;
let keyId: string;
let plaintext: string;

/** Runs the CLI against the test server with the root key from the config file (after login). */
const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, { home, env: { UNKEY_API_BASE_URL: server.url, ...env } });

beforeAll(async () => {
  server = await startApi();
  home = tempHome();
});
afterAll(async () => {
  await server?.stop();
});

describe("unkey CLI against the local server", () => {
  it("creates a workspace with the admin key from UNKEY_ADMIN_KEY", async () => {
    const r = await cli(["api", "workspaces", "create-workspace", "--name", "cli-e2e", "--output", "json"], { UNKEY_ADMIN_KEY: E2E_ADMIN_KEY });
    expect(r.code, r.stdout).toBe(0);
    const body = r.json();
    expect(body.meta.requestId).toMatch(/^req_/);
    expect(body.data.workspaceId).toMatch(/^ws_/);
    rootKey = body.data.rootKey;
    workspaceId = body.data.workspaceId;
  });

  it("refuses workspace creation with a wrong admin key (exit 1, request id shown)", async () => {
    const r = await cli(["api", "workspaces", "create-workspace", "--name", "nope", "--admin-key", "wrong-admin-key-000000"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Authentication failed: /);
    expect(r.stdout).toMatch(/Request ID: req_\w+/);
  });

  it("auth login stores the key in ~/.unkey/config.toml, file 0600 in a 0700 directory", async () => {
    const r = await runCli(["auth", "login"], { home, input: `${rootKey}\n`, env: { UNKEY_API_BASE_URL: server.url } });
    expect(r.code, r.stdout).toBe(0);
    const file = path.join(home, ".unkey", "config.toml");
    expect(r.stdout).toContain("Enter your root key:");
    expect(r.stdout).toContain(`Authentication successful: root key key_`);
    expect(r.stdout).toContain(`of workspace "cli-e2e" (${workspaceId}).\nKey stored in ${file}`);
    expect(r.stdout).not.toContain(rootKey);
    expect(readFileSync(file, "utf8")).toContain(`root_key = "${rootKey}"`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    // a URL from UNKEY_API_BASE_URL is used for the check but not stored
    expect(readFileSync(file, "utf8")).not.toContain("api_url");
  });

  it("auth login refuses a key the server does not know: exit 1, nothing stored", async () => {
    const other = tempHome();
    const r = await runCli(["auth", "login", "--api-url", server.url], { home: other, input: "unkey_notarealkey0000000\n" });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`Login failed: the server at ${server.url} does not accept this root key: `);
    expect(r.stdout).toContain("Nothing was stored.");
    expect(r.stdout).not.toContain("Authentication successful");
    expect(existsSync(path.join(other, ".unkey", "config.toml"))).toBe(false);
  });

  it("auth login refuses when the server cannot be reached, and says how to point it elsewhere", async () => {
    const other = tempHome();
    const r = await runCli(["auth", "login", "--api-url", "http://127.0.0.1:9"], { home: other, input: `${rootKey}\n` });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("cannot reach http://127.0.0.1:9");
    expect(r.stdout).toContain("Pass its address with --api-url.");
    expect(existsSync(path.join(other, ".unkey", "config.toml"))).toBe(false);
  });

  it("auth login --api-url stores the server, and the api commands then use it without flags or env", async () => {
    const other = tempHome();
    const login = await runCli(["auth", "login", "--api-url", server.url + "/"], { home: other, input: `${rootKey}\n` });
    expect(login.code, login.stdout).toBe(0);
    const file = path.join(other, ".unkey", "config.toml");
    expect(login.stdout).toContain(`API URL ${server.url} stored in ${file}`);
    expect(readFileSync(file, "utf8")).toContain(`api_url = "${server.url}"`);
    const r = await runCli(["api", "root-keys", "whoami", "--output", "json"], { home: other });
    expect(r.code, r.stdout).toBe(0);
    expect(r.json().data).toMatchObject({ workspaceId, workspaceName: "cli-e2e", fullAccess: true });
  });

  it.skipIf(!hasScript)("auth login on a terminal hides the key while it is typed", async () => {
    const config = path.join(tempHome(), "tty.toml");
    const secret = rootKey;
    const out = await new Promise<{ code: number; stdout: string }>((resolve, reject) => {
      // `script` gives the CLI a pseudo-terminal; the key is typed once the prompt shows
      const child = spawn("script", ["-qec", `'${CLI_NODE}' '${CLI}' auth login --config '${config}' --api-url '${server.url}'`, "/dev/null"], {
        cwd: ROOT,
        env: { ...process.env, HOME: tempHome() },
      });
      let stdout = "";
      let typed = false;
      child.stdout.on("data", (d) => {
        stdout += d;
        if (!typed && stdout.includes("Enter your root key:")) {
          typed = true;
          child.stdin.write(`${secret}\r`);
        }
      });
      child.on("error", reject);
      child.on("close", (code) => resolve({ code: code ?? -1, stdout }));
    });
    expect(out.code, out.stdout).toBe(0);
    expect(out.stdout).toContain(`Authentication successful: root key `);
    expect(out.stdout).toContain(`Key stored in ${config}`);
    expect(out.stdout).not.toContain(secret);
    expect(readFileSync(config, "utf8")).toContain(secret);
  });

  it("prints `<requestId> (took <N>ms)`, a blank line and the data by default", async () => {
    const r = await cli(["api", "apis", "create-api", "--name", "payments"]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^req_\w+ \(took \d+ms\)\n\n\{\n {2}"apiId": "api_\w+"\n\}\n$/);
    apiId = JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))).apiId;
  });

  it("uses --root-key over UNKEY_ROOT_KEY over the config file", async () => {
    const args = ["api", "apis", "get-api", "--api-id", apiId, "--output", "json"];
    const envBeatsFile = await cli(args, { UNKEY_ROOT_KEY: "unkey_notarealkey0000000" });
    expect(envBeatsFile.code).toBe(1);
    expect(envBeatsFile.json().error.status).toBe(401);
    const flagBeatsEnv = await cli([...args, "--root-key", rootKey], { UNKEY_ROOT_KEY: "unkey_notarealkey0000000" });
    expect(flagBeatsEnv.code, flagBeatsEnv.stdout).toBe(0);
    expect(flagBeatsEnv.json().data).toMatchObject({ id: apiId, name: "payments" });
  });

  it("accepts --flag=value, Go-style single-dash flags and `--` after the flags", async () => {
    for (const args of [["--api-id=" + apiId], ["-api-id", apiId], ["-api-id=" + apiId], ["--api-id", apiId, "--"]]) {
      const r = await cli(["api", "apis", "get-api", "--output=json", ...args]);
      expect(r.code, `${args.join(" ")}: ${r.stdout}`).toBe(0);
      expect(r.json().data.id).toBe(apiId);
    }
  });

  it("reads the config file named by --config / UNKEY_CONFIG", async () => {
    const other = tempHome();
    const login = await runCli(["auth", "login", "--config", path.join(other, "alt.toml"), "--api-url", server.url], { home: other, input: `${rootKey}\n` });
    expect(login.code, login.stdout).toBe(0);
    const emptyHome = tempHome();
    const r = await runCli(["api", "apis", "get-api", "--api-id", apiId], {
      home: emptyHome,
      env: { UNKEY_API_BASE_URL: server.url, UNKEY_CONFIG: path.join(other, "alt.toml") },
    });
    expect(r.code, r.stdout).toBe(0);

    // api_url in the config file is used when neither --api-url nor UNKEY_API_BASE_URL is set
    writeFileSync(path.join(other, "full.toml"), `root_key = "${rootKey}"\napi_url = "${server.url}"\n`);
    const fromFile = await runCli(["api", "apis", "get-api", "--api-id", apiId, "--config", path.join(other, "full.toml")], { home: emptyHome });
    expect(fromFile.code, fromFile.stdout).toBe(0);
    // that file was written with the default umask: readable by others, which earns a warning on stderr
    chmodSync(path.join(other, "full.toml"), 0o644);
    const warned = await runCli(["api", "apis", "get-api", "--api-id", apiId, "--config", path.join(other, "full.toml")], { home: emptyHome });
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain("readable by others (mode 644); run: chmod 600");
    expect(fromFile.stderr === "" || fromFile.stderr.includes("readable by others")).toBe(true);
    const quiet = await cli(["api", "apis", "get-api", "--api-id", apiId]);
    expect(quiet.stderr).toBe("");
  });

  it("creates a key with credits, metadata and permissions", async () => {
    const r = await cli([
      "api",
      "keys",
      "create-key",
      "--api-id",
      apiId,
      "--prefix",
      "sk",
      "--name",
      "ci",
      "--credits-json",
      '{"remaining":3}',
      "--meta-json",
      '{"plan":"pro"}',
      "--permissions",
      "documents.read, documents.write",
      "--external-id",
      "user_42",
      "--output",
      "json",
    ]);
    expect(r.code, r.stdout).toBe(0);
    ({ keyId, key: plaintext } = r.json().data);
    expect(plaintext).toMatch(/^sk_/);
    const got = await cli(["api", "keys", "get-key", "--key-id", keyId, "--output", "json"]);
    expect(got.json().data).toMatchObject({ keyId, name: "ci", meta: { plan: "pro" }, credits: { remaining: 3 }, identity: { externalId: "user_42" } });
    expect(got.json().data.permissions).toEqual(expect.arrayContaining(["documents.read", "documents.write"]));
  });

  it("verifies the key: credits go down until USAGE_EXCEEDED", async () => {
    const verify = async (...extra: string[]) => (await cli(["api", "keys", "verify-key", "--key", plaintext, "--output", "json", ...extra])).json().data;
    expect(await verify("--permissions", "documents.read")).toMatchObject({ valid: true, code: "VALID", keyId, credits: 2 });
    expect(await verify("--credits-json", '{"cost":2}', "--tags", "path=/v1/x,region=eu")).toMatchObject({ valid: true, credits: 0 });
    expect(await verify()).toMatchObject({ valid: false, code: "USAGE_EXCEEDED" });
    expect(await verify("--permissions", "admin")).toMatchObject({ valid: false, code: "INSUFFICIENT_PERMISSIONS" });
  });

  it("tops credits up with update-credits and changes the key with update-key", async () => {
    const r = await cli(["api", "keys", "update-credits", "--key-id", keyId, "--operation", "increment", "--value", "10", "--output", "json"]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.json().data.remaining).toBe(10);
    const u = await cli(["api", "keys", "update-key", "--key-id", keyId, "--name", "null", "--enabled=false"]);
    expect(u.code, u.stdout).toBe(0);
    const got = (await cli(["api", "keys", "get-key", "--key-id", keyId, "--output", "json"])).json().data;
    expect(got.name).toBeUndefined();
    expect(got.enabled).toBe(false);
    await cli(["api", "keys", "update-key", "--key-id", keyId, "--enabled"]);
  });

  it("lists keys as the raw JSON envelope and as a table", async () => {
    await cli(["api", "keys", "create-key", "--api-id", apiId, "--name", "second"]);
    const json = await cli(["api", "apis", "list-keys", "--api-id", apiId, "--output", "json"]);
    expect(json.code).toBe(0);
    const body = json.json();
    expect(body.meta.requestId).toMatch(/^req_/);
    expect(body.pagination).toEqual({ hasMore: false });
    expect(body.data.map((k: any) => k.keyId)).toContain(keyId);

    const table = await cli(["api", "apis", "list-keys", "--api-id", apiId, "--output", "table"]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^keyId\s+start\s+name\s+enabled\s+credits\.remaining/);
    expect(lines[1]).toMatch(/^-+\s+-+/);
    expect(lines.some((l) => l.startsWith(keyId) && l.includes("user_42"))).toBe(true);
    expect(lines.at(-1)).toBe("2 rows");

    const paged = await cli(["api", "apis", "list-keys", "--api-id", apiId, "--limit", "1", "--output", "table"]);
    expect(paged.stdout).toMatch(/1 row; more with --cursor key_\w+/);
  });

  it("sets, reads, lists and applies a rate-limit override", async () => {
    const limit = async () =>
      (
        await cli([
          "api",
          "ratelimit",
          "limit",
          "--namespace",
          "cli.requests",
          "--identifier",
          "user_42",
          "--limit",
          "1",
          "--duration",
          "60000",
          "--output",
          "json",
        ])
      ).json().data;
    expect(await limit()).toMatchObject({ success: true, limit: 1 });
    const set = await cli([
      "api",
      "ratelimit",
      "set-override",
      "--namespace",
      "cli.requests",
      "--identifier",
      "user_42",
      "--limit",
      "50",
      "--duration",
      "60000",
      "--output",
      "json",
    ]);
    expect(set.code, set.stdout).toBe(0);
    const overrideId = set.json().data.overrideId;
    expect(overrideId).toBeTruthy();
    const got = await cli(["api", "ratelimit", "get-override", "--namespace", "cli.requests", "--identifier", "user_42", "--output", "json"]);
    expect(got.json().data).toMatchObject({ overrideId, identifier: "user_42", limit: 50, duration: 60000 });
    const table = await cli(["api", "ratelimit", "list-overrides", "--namespace", "cli.requests", "--output", "table"]);
    expect(table.stdout).toMatch(new RegExp(`^${overrideId}\\s+user_42\\s+50\\s+60000`, "m"));
    expect(await limit()).toMatchObject({ success: true, limit: 50, overrideId });
    const multi = await cli([
      "api",
      "ratelimit",
      "multi-limit",
      "--output",
      "json",
      "--limits-json",
      '[{"namespace":"cli.requests","identifier":"u1","limit":1,"duration":60000},{"namespace":"cli.tokens","identifier":"u1","limit":5,"duration":60000,"cost":2}]',
    ]);
    expect(multi.code, multi.stdout).toBe(0);
    expect(multi.json().data.passed).toBe(true);
    expect(multi.json().data.limits).toHaveLength(2);
    const del = await cli(["api", "ratelimit", "delete-override", "--namespace", "cli.requests", "--identifier", "user_42"]);
    expect(del.code, del.stdout).toBe(0);
  });

  it("queries verification analytics with SQL, as JSON and as a table", async () => {
    const query = "SELECT outcome, COUNT(*) AS total FROM key_verifications_v1 GROUP BY outcome ORDER BY outcome";
    // verification events reach the analytics tables through a queue: wait until they are there
    let rows: any[] = [];
    for (let i = 0; i < 60; i++) {
      const r = await cli(["api", "analytics", "get-verifications", "--query", query, "--output", "json"]);
      expect(r.code, r.stdout).toBe(0);
      rows = r.json().data;
      if (rows.reduce((n, row) => n + Number(row.total), 0) >= 4) break;
      await new Promise((res) => setTimeout(res, 1000));
    }
    const by = Object.fromEntries(rows.map((row) => [row.outcome, Number(row.total)]));
    expect(by.VALID).toBe(2);
    expect(by.USAGE_EXCEEDED).toBe(1);
    const table = await cli(["api", "analytics", "get-verifications", "--query", query, "--output", "table"]);
    expect(table.stdout).toMatch(/^outcome\s+total$/m);
    expect(table.stdout).toMatch(/^VALID\s+2$/m);
  });

  it("manages identities, permissions and roles", async () => {
    const id = await cli(["api", "identities", "create-identity", "--external-id", "org_7", "--meta-json", '{"tier":"gold"}', "--output", "json"]);
    expect(id.code, id.stdout).toBe(0);
    const got = await cli(["api", "identities", "get-identity", "--identity", "org_7", "--output", "json"]);
    expect(got.json().data).toMatchObject({ externalId: "org_7", meta: { tier: "gold" } });
    const upd = await cli([
      "api",
      "identities",
      "update-identity",
      "--identity",
      "org_7",
      "--ratelimits-json",
      '[{"name":"requests","limit":10,"duration":60000,"autoApply":true}]',
    ]);
    expect(upd.code, upd.stdout).toBe(0);
    const list = await cli(["api", "identities", "list-identities", "--output", "table"]);
    expect(list.stdout).toMatch(/org_7/);

    const perm = await cli(["api", "permissions", "create-permission", "--name", "Read billing", "--slug", "billing.read", "--output", "json"]);
    expect(perm.code, perm.stdout).toBe(0);
    const role = await cli(["api", "permissions", "create-role", "--name", "billing-reader", "--description", "reads invoices", "--output", "json"]);
    expect(role.code, role.stdout).toBe(0);
    const add = await cli(["api", "keys", "add-roles", "--key-id", keyId, "--roles", "billing-reader"]);
    expect(add.code, add.stdout).toBe(0);
    const perms = await cli(["api", "keys", "add-permissions", "--key-id", keyId, "--permissions", "billing.read"]);
    expect(perms.code, perms.stdout).toBe(0);
    const key = (await cli(["api", "keys", "get-key", "--key-id", keyId, "--output", "json"])).json().data;
    expect(key.roles).toContain("billing-reader");
    expect(key.permissions).toContain("billing.read");
    const perms2 = await cli(["api", "permissions", "list-permissions", "--output", "table"]);
    expect(perms2.stdout).toMatch(/billing\.read/);
    const roles = await cli(["api", "permissions", "list-roles", "--output", "json"]);
    expect(roles.json().data.map((r: any) => r.name)).toContain("billing-reader");
    const delIdentity = await cli(["api", "identities", "delete-identity", "--identity", "org_7"]);
    expect(delIdentity.code, delIdentity.stdout).toBe(0);
  });

  it("covers the remaining key actions: whoami, permissions and roles set/remove, reroll, delete", async () => {
    const created = (await cli(["api", "keys", "create-key", "--api-id", apiId, "--name", "rotating", "--output", "json"])).json().data;
    const who = await cli(["api", "keys", "whoami", "--key", created.key, "--output", "json"]);
    expect(who.json().data).toMatchObject({ keyId: created.keyId, name: "rotating" });

    await cli(["api", "permissions", "create-role", "--name", "auditor"]);
    const steps: string[][] = [
      ["set-permissions", "--permissions", "p.one,p.two"],
      ["remove-permissions", "--permissions", "p.one"],
      ["set-roles", "--roles", "auditor"],
    ];
    for (const [action, ...flags] of steps) {
      const r = await cli(["api", "keys", action, "--key-id", created.keyId, ...flags]);
      expect(r.code, `${action}: ${r.stdout}`).toBe(0);
    }
    let key = (await cli(["api", "keys", "get-key", "--key-id", created.keyId, "--output", "json"])).json().data;
    expect(key.permissions).toContain("p.two");
    expect(key.permissions).not.toContain("p.one");
    expect(key.roles).toEqual(["auditor"]);
    expect((await cli(["api", "keys", "remove-roles", "--key-id", created.keyId, "--roles", "auditor"])).code).toBe(0);
    key = (await cli(["api", "keys", "get-key", "--key-id", created.keyId, "--output", "json"])).json().data;
    expect(key.roles ?? []).toEqual([]);

    const asTable = await cli(["api", "keys", "get-key", "--key-id", created.keyId, "--output", "table"]);
    expect(asTable.stdout).toMatch(/^FIELD\s+VALUE$/m);
    expect(asTable.stdout).toMatch(new RegExp(`^keyId\\s+${created.keyId}$`, "m"));

    const rerolled = await cli(["api", "keys", "reroll-key", "--key-id", created.keyId, "--expiration", "0", "--output", "json"]);
    expect(rerolled.code, rerolled.stdout).toBe(0);
    const fresh = rerolled.json().data;
    expect(fresh.keyId).not.toBe(created.keyId);
    const verifyOld = await cli(["api", "keys", "verify-key", "--key", created.key, "--output", "json"]);
    expect(verifyOld.json().data.valid).toBe(false);

    const del = await cli(["api", "keys", "delete-key", "--key-id", fresh.keyId, "--permanent"]);
    expect(del.code, del.stdout).toBe(0);
    const gone = await cli(["api", "keys", "get-key", "--key-id", fresh.keyId]);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toMatch(/^Not found: /);
  });

  it("covers the remaining permission and rate-limit actions", async () => {
    const role = (await cli(["api", "permissions", "create-role", "--name", "ops", "--output", "json"])).json().data;
    const roleId = role.roleId ?? role.id;
    const set = await cli(["api", "permissions", "set-role-permissions", "--role-id", roleId, "--permissions", "ops.read,ops.write", "--output", "json"]);
    expect(set.code, set.stdout).toBe(0);
    const got = await cli(["api", "permissions", "get-role", "--role", "ops", "--output", "json"]);
    expect(
      got
        .json()
        .data.permissions.map((p: any) => p.slug ?? p.name)
        .sort(),
    ).toEqual(["ops.read", "ops.write"]);
    const perm = await cli(["api", "permissions", "get-permission", "--permission", "ops.read", "--output", "json"]);
    expect(perm.json().data).toMatchObject({ slug: "ops.read" });
    expect((await cli(["api", "permissions", "delete-permission", "--permission", "ops.read"])).code).toBe(0);
    expect((await cli(["api", "permissions", "delete-role", "--role", "ops"])).code).toBe(0);
    const missing = await cli(["api", "permissions", "get-role", "--role", "ops"]);
    expect(missing.code).toBe(1);

    const table = await cli([
      "api",
      "ratelimit",
      "multi-limit",
      "--output",
      "table",
      "--limits-json",
      '[{"namespace":"cli.batch","identifier":"a","limit":3,"duration":60000},{"namespace":"cli.batch","identifier":"b","limit":3,"duration":60000}]',
    ]);
    expect(table.stdout).toMatch(/^namespace\s+identifier\s+passed\s+limit\s+remaining\s+reset/);
    expect(table.stdout).toMatch(/^cli\.batch\s+b\s+true\s+3\s+2\s/m);
    const del = await cli(["api", "ratelimit", "delete-namespace", "--namespace", "cli.batch"]);
    expect(del.code, del.stdout).toBe(0);
    const after = await cli([
      "api",
      "ratelimit",
      "limit",
      "--namespace",
      "cli.batch",
      "--identifier",
      "a",
      "--limit",
      "3",
      "--duration",
      "60000",
      "--output",
      "json",
    ]);
    expect(after.code).toBe(1);
    expect(after.json().error.status).toBe(410);
  });

  it("creates, lists and revokes root keys and reports a missing permission as Permission denied", async () => {
    const created = await cli(["api", "root-keys", "create-root-key", "--name", "reader", "--permissions", "api.*.read_api", "--output", "json"]);
    expect(created.code, created.stdout).toBe(0);
    const scoped = created.json().data;
    const denied = await cli(["api", "apis", "create-api", "--name", "forbidden", "--root-key", scoped.key]);
    expect(denied.code).toBe(1);
    expect(denied.stdout).toMatch(/^Permission denied: /);
    expect(denied.stdout).toMatch(/Request ID: req_\w+/);
    const list = await cli(["api", "root-keys", "list-root-keys", "--output", "table"]);
    expect(list.stdout).toMatch(new RegExp(`^${scoped.keyId}\\s`, "m"));
    const del = await cli(["api", "root-keys", "delete-root-key", "--key-id", scoped.keyId]);
    expect(del.code, del.stdout).toBe(0);
    const after = await cli(["api", "apis", "get-api", "--api-id", apiId, "--root-key", scoped.key]);
    expect(after.code).toBe(1);
    expect(after.stdout).toMatch(/^Authentication failed: /);
  });

  it("updates API settings and workspace settings", async () => {
    const u = await cli(["api", "apis", "update-api", "--api-id", apiId, "--delete-protection", "--default-prefix", "pay"]);
    expect(u.code, u.stdout).toBe(0);
    const del = await cli(["api", "apis", "delete-api", "--api-id", apiId]);
    expect(del.code).toBe(1);
    const key = (await cli(["api", "keys", "create-key", "--api-id", apiId, "--output", "json"])).json().data.key;
    expect(key).toMatch(/^pay_/);
    const ws = await cli(["api", "workspaces", "update-workspace", "--workspace-id", workspaceId, "--name", "renamed", "--admin-key", E2E_ADMIN_KEY]);
    expect(ws.code, ws.stdout).toBe(0);
  });

  it("creates a recoverable key and shows its plaintext again with --decrypt", async () => {
    const api = (await cli(["api", "apis", "create-api", "--name", "vaulted", "--output", "json"])).json().data.apiId;
    expect((await cli(["api", "apis", "update-api", "--api-id", api, "--store-encrypted-keys"])).code).toBe(0);
    const created = await cli(["api", "keys", "create-key", "--api-id", api, "--recoverable", "--output", "json"]);
    expect(created.code, created.stdout).toBe(0);
    const { keyId: id, key } = created.json().data;
    const hidden = (await cli(["api", "keys", "get-key", "--key-id", id, "--output", "json"])).json().data;
    expect(hidden.plaintext).toBeUndefined();
    const shown = (await cli(["api", "keys", "get-key", "--key-id", id, "--decrypt", "--output", "json"])).json().data;
    expect(shown.plaintext).toBe(key);
    const listed = (await cli(["api", "apis", "list-keys", "--api-id", api, "--decrypt=true", "--output", "json"])).json().data;
    expect(listed[0].plaintext).toBe(key);
    const notListed = (await cli(["api", "apis", "list-keys", "--api-id", api, "--decrypt=false", "--output", "json"])).json().data;
    expect(notListed[0].plaintext).toBeUndefined();
  });

  it("reads the audit log", async () => {
    const r = await cli(["api", "audit", "list-logs", "--limit", "50", "--output", "json"]);
    expect(r.code, r.stdout).toBe(0);
    const events = r.json().data.map((e: any) => e.event);
    expect(events).toEqual(expect.arrayContaining(["api.create", "key.create"]));
    const table = await cli(["api", "audit", "list-logs", "--limit", "5", "--output", "table"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^id\s+time\s+event/);
    const createdApis = await cli(["api", "audit", "list-logs", "--events", "api.create", "--since", "1h", "--output", "json"], { UNKEY_OUTPUT: "table" });
    const logs = createdApis.json().data;
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.every((l: any) => l.event === "api.create")).toBe(true);
    const one = await cli(["api", "audit", "get-log", "--log-id", logs[0].id], { UNKEY_OUTPUT: "json" });
    expect(one.json().data).toMatchObject({ id: logs[0].id, event: "api.create" });
  });

  it("verify-key exits 0 for an invalid key, and 2 with --fail-invalid (answer still printed)", async () => {
    const created = await cli(["api", "keys", "create-key", "--api-id", apiId, "--credits-json", '{"remaining":1}', "--output", "json"]);
    expect(created.code, created.stdout).toBe(0);
    const key = created.json().data.key;
    const valid = await cli(["api", "keys", "verify-key", "--key", key, "--fail-invalid"]);
    expect(valid.code, valid.stdout).toBe(0);
    expect(valid.stdout).toContain('"code": "VALID"');
    const plain = await cli(["api", "keys", "verify-key", "--key", key, "--output", "json"]);
    expect(plain.code).toBe(0);
    expect(plain.json().data.code).toBe("USAGE_EXCEEDED");
    const strict = await cli(["api", "keys", "verify-key", "--key", key, "--output", "json", "--fail-invalid"]);
    expect(strict.code).toBe(2);
    expect(strict.json().data).toMatchObject({ valid: false, code: "USAGE_EXCEEDED" });
    const off = await cli(["api", "keys", "verify-key", "--key", key, "--fail-invalid=false"]);
    expect(off.code).toBe(0);
    const unknown = await cli(["api", "keys", "verify-key", "--key", "sk_doesnotexist000000", "--fail-invalid"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toContain('"code": "NOT_FOUND"');
    // an API error stays exit 1, with or without the flag
    const denied = await cli(["api", "keys", "verify-key", "--key", key, "--fail-invalid", "--root-key", "unkey_notarealkey0000000"]);
    expect(denied.code).toBe(1);
  });

  it("reports API errors with their detail, the request id and exit 1", async () => {
    const notFound = await cli(["api", "apis", "get-api", "--api-id", "api_doesnotexist123"]);
    expect(notFound.code).toBe(1);
    expect(notFound.stdout).toMatch(/^Not found: The requested API does not exist/);
    expect(notFound.stdout).toMatch(/Request ID: req_\w+/);

    const invalid = await cli(["api", "apis", "create-api", "--name", "x"]);
    expect(invalid.code).toBe(1);
    expect(invalid.stdout).toMatch(/failed to validate schema\n {2}\S*name\S*: /);

    const asJson = await cli(["api", "apis", "get-api", "--api-id", "api_doesnotexist123", "--output", "json"]);
    expect(asJson.code).toBe(1);
    expect(asJson.json()).toMatchObject({ meta: { requestId: expect.stringMatching(/^req_/) }, error: { status: 404 } });
  });

  it("healthcheck exits 0 on 200 and 1 otherwise", async () => {
    const ok = await cli(["healthcheck", `${server.url}/v2/liveness`]);
    expect(ok.code, ok.stdout).toBe(0);
    const missing = await cli(["healthcheck", `${server.url}/no-such-page`]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain("answered 404");
  });
});
