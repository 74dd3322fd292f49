// `unkey api keys migrate-keys --file`: thousands of pre-hashed keys in batches, then verified
// with their plaintext.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, type TestServer } from "../helpers/server";
import { CLI, CLI_NODE, ROOT, runCli, tempHome } from "./run";

let server: TestServer;
let home: string;
let rootKey: string;
let apiId: string;
let migrationId: string;

const cli = (args: string[]) => runCli(args, { home, env: { UNKEY_API_BASE_URL: server.url, UNKEY_ROOT_KEY: rootKey } });
const sha256b64 = (s: string) => createHash("sha256").update(s).digest("base64");

/** `count` fresh plaintext keys as a legacy system would have issued them, with their hashes. */
function legacyKeys(count: number, tag: string) {
  return Array.from({ length: count }, (_, i) => {
    const plaintext = `legacy_${tag}_${randomBytes(18).toString("base64url")}`;
    return { i, plaintext, hash: sha256b64(plaintext) };
  });
}
function legacyPair(tag: string) {
  const [a, b] = legacyKeys(2, tag);
  return [a!, b!] as const;
}

const hasScript = spawnSync("script", ["--version"]).status === 0;

beforeAll(async () => {
  server = await startApi();
  home = tempHome();
  ({ rootKey } = await server.newWorkspace("cli-migrate"));
  const api = await runCli(["api", "apis", "create-api", "--name", "legacy-import", "--output", "json", "--root-key", rootKey], {
    home,
    env: { UNKEY_API_BASE_URL: server.url },
  });
  apiId = api.json().data.apiId;
});
afterAll(async () => {
  await server?.stop();
});

describe("unkey api keys migrate-keys", () => {
  const keys = legacyKeys(2000, "jsonl");
  let file: string;

  it("creates a migration for the API", async () => {
    const r = await cli(["api", "keys", "create-migration", "--api-id", apiId, "--output", "json"]);
    expect(r.code, r.stdout).toBe(0);
    migrationId = r.json().data.migrationId;
    expect(migrationId).toMatch(/^mig_/);
  });

  it("migrates a JSON-lines file of 2,000 pre-hashed keys in batches, quietly with --output json", async () => {
    file = path.join(home, "keys.jsonl");
    writeFileSync(
      file,
      keys.map((k) => JSON.stringify(k.i % 2 ? { hash: k.hash, name: `legacy-${k.i}`, meta: { n: k.i } } : { hash: k.hash })).join("\n") + "\n",
    );
    const r = await cli([
      "api",
      "keys",
      "migrate-keys",
      "--migration-id",
      migrationId,
      "--api-id",
      apiId,
      "--file",
      file,
      "--batch-size",
      "250",
      "--concurrency",
      "3",
      "--output",
      "json",
    ]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stderr).toBe(""); // no progress bar when printing JSON
    const out = r.json();
    expect(out.data.total).toBe(2000);
    expect(out.data.migrated).toHaveLength(2000);
    expect(out.data.failed).toEqual([]);
    expect(out.meta.requestIds).toHaveLength(8);
    const byHash = new Map(out.data.migrated.map((m: any) => [m.hash, m.keyId]));
    expect(byHash.get(keys[1999]!.hash)).toMatch(/^key_/);
  });

  it("the migrated keys verify with their plaintext", async () => {
    for (const k of [keys[0]!, keys[1]!, keys[777]!, keys[1998]!, keys[1999]!]) {
      const r = await cli(["api", "keys", "verify-key", "--key", k.plaintext, "--output", "json"]);
      expect(r.code, r.stdout).toBe(0);
      const data = r.json().data;
      expect(data).toMatchObject({ valid: true, code: "VALID" });
      if (k.i % 2) expect(data).toMatchObject({ name: `legacy-${k.i}`, meta: { n: k.i } });
    }
    const wrong = await cli(["api", "keys", "verify-key", "--key", keys[0]!.plaintext + "x", "--output", "json"]);
    expect(wrong.json().data).toMatchObject({ valid: false, code: "NOT_FOUND" });
  });

  it("a second run reports every key as failed in the summary and exits 1", async () => {
    const failedFile = path.join(home, "failed.txt");
    const r = await cli(["api", "keys", "migrate-keys", "--migration-id", migrationId, "--api-id", apiId, "--file", file, "--failed-file", failedFile]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Migrated 0 of 2000 keys in 20 request\(s\)/m);
    expect(r.stdout).toMatch(/^Failed: 2000$/m);
    expect(r.stdout).toContain(`  ${keys[0]!.hash}  hash already in use`);
    expect(readFileSync(failedFile, "utf8").trim().split("\n")).toHaveLength(2000);
  });

  it("migrates a CSV file with a header, JSON cells and |-separated lists", async () => {
    const csvKeys = legacyKeys(30, "csv");
    const csv = path.join(home, "keys.csv");
    const rows = csvKeys.map((k) => `${k.hash},csv-${k.i},tenant_${k.i % 3},"{""source"":""csv""}",,true`);
    writeFileSync(csv, ["hash,name,externalId,meta,permissions,enabled", ...rows, ""].join("\r\n"));
    // a permission cell with two entries on the first key
    writeFileSync(csv, readFileSync(csv, "utf8").replace(`"{""source"":""csv""}",,true`, `"{""source"":""csv""}",docs.read|docs.write,true`));
    const r = await cli(["api", "keys", "migrate-keys", "--migration-id", migrationId, "--api-id", apiId, "--file", csv]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/^Migrated 30 of 30 keys in 1 request\(s\)/m);
    expect(r.stdout).toMatch(/^Failed: 0$/m);
    const v = await cli(["api", "keys", "verify-key", "--key", csvKeys[0]!.plaintext, "--permissions", "docs.read AND docs.write", "--output", "json"]);
    expect(v.json().data).toMatchObject({ valid: true, name: "csv-0", meta: { source: "csv" }, identity: { externalId: "tenant_0" } });
  });

  it("records a key the server rejects as failed with its reason while the rest of its batch goes through", async () => {
    const good = legacyKeys(9, "mixed");
    const mixed = path.join(home, "mixed.jsonl");
    const lines = good.map((k) => JSON.stringify({ hash: k.hash }));
    const bad = sha256b64("bad-" + randomBytes(8).toString("hex"));
    lines.splice(4, 0, JSON.stringify({ hash: bad, credits: { remaining: 5, refill: { interval: "monthly", amount: 5 } } }));
    writeFileSync(mixed, lines.join("\n"));
    const r = await cli(["api", "keys", "migrate-keys", "--migration-id", migrationId, "--api-id", apiId, "--file", mixed, "--output", "json"]);
    expect(r.code).toBe(1);
    const out = r.json();
    expect(out.data.migrated).toHaveLength(9);
    expect(out.data.failed).toEqual([bad]);
    expect(out.data.errors[0].hash).toBe(bad);
    expect(out.data.errors[0].reason).toMatch(/refillDay/);
  });

  it("checks the whole file before sending and names the bad lines", async () => {
    const broken = path.join(home, "broken.jsonl");
    const [a, b] = legacyPair("broken");
    writeFileSync(
      broken,
      [JSON.stringify({ hash: a.hash }), "{not json", "", JSON.stringify({ name: "no hash" }), JSON.stringify({ hash: b.hash })].join("\n"),
    );
    const r = await cli(["api", "keys", "migrate-keys", "--migration-id", migrationId, "--api-id", apiId, "--file", broken]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("2 line(s) cannot be read; nothing was sent.");
    expect(r.stdout).toMatch(/line 2: invalid JSON/);
    expect(r.stdout).toMatch(/line 4: "hash" is missing/);
    const v = await cli(["api", "keys", "verify-key", "--key", a.plaintext, "--output", "json"]);
    expect(v.json().data.code).toBe("NOT_FOUND");
  });

  it("reports a malformed or repeated hash with its own reason, does not send it, and migrates the rest", async () => {
    const [a, b] = legacyPair("shape");
    const f = path.join(home, "shapes.jsonl");
    const hex = createHash("sha256").update("hex-key").digest("hex");
    writeFileSync(f, [{ hash: a.hash }, { hash: "not-a-hash" }, { hash: a.hash }, { hash: hex }, { hash: b.hash }].map((k) => JSON.stringify(k)).join("\n"));
    // this migration is sha256 (base64), which the CLI learns from keys.getMigration: a hex hash is malformed for it
    const r = await cli(["api", "keys", "migrate-keys", "--migration-id", migrationId, "--api-id", apiId, "--file", f]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Migrated 2 of 5 keys in 1 request\(s\)/m);
    expect(r.stdout).toMatch(/^Failed: 3$/m);
    expect(r.stdout).toContain(
      `  not-a-hash  line 2: not a valid sha256 hash: expected 44 characters of base64 ending in "=" (the 32 bytes of a SHA-256), got 10 characters`,
    );
    expect(r.stdout).toContain(`  ${a.hash}  line 3: repeated: same hash as line 1`);
    expect(r.stdout).toContain(`  ${hex}  line 4: not a valid sha256 hash: expected 44 characters of base64`);
    expect(r.stdout).not.toContain("or repeated, or not valid");
    // a second run: the JSON output gives one reason per failure, in the order of `failed`
    const again = await cli(["api", "keys", "migrate-keys", "--migration-id", migrationId, "--api-id", apiId, "--file", f, "--output", "json"]);
    const out = again.json();
    expect(out.data.failed).toHaveLength(5);
    expect(out.data.errors.map((e: any) => e.hash)).toEqual(out.data.failed);
    const reasons = Object.fromEntries(out.data.errors.map((e: any) => [e.hash, e.reason]));
    expect(reasons[b.hash]).toBe("hash already in use: another key (of any API) already has this hash");
    expect(reasons[hex]).toMatch(/^line 4: not a valid sha256 hash/);
    // --hash names the algorithm without asking the server (here a wrong one, so the base64 hashes are malformed)
    const hexRun = await cli([
      "api",
      "keys",
      "migrate-keys",
      "--migration-id",
      migrationId,
      "--api-id",
      apiId,
      "--file",
      f,
      "--hash",
      "sha256_hex",
      "--output",
      "json",
    ]);
    const hexReasons = Object.fromEntries(hexRun.json().data.errors.map((e: any) => [e.hash, e.reason]));
    expect(hexReasons[b.hash]).toMatch(/^line 5: not a valid sha256_hex hash: expected 64 hex characters \(a SHA-256\), got 44 characters/);
    expect(hexReasons[hex]).toBe("hash already in use, or not valid for this migration (its algorithm may not be --hash sha256_hex)");
  });

  it("--keys-json with a malformed hash names it and sends nothing", async () => {
    const k = legacyKeys(1, "inline-bad")[0]!;
    const r = await cli([
      "api",
      "keys",
      "migrate-keys",
      "--migration-id",
      migrationId,
      "--api-id",
      apiId,
      "--hash",
      "sha256_hex",
      "--keys-json",
      JSON.stringify([{ hash: "abc" }, { hash: k.hash }]),
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("--keys-json: 2 key(s) cannot be migrated; nothing was sent.");
    expect(r.stdout).toContain("keys[0]: not a valid sha256_hex hash: expected 64 hex characters (a SHA-256), got 3 characters");
    expect(r.stdout).toContain("keys[1]: not a valid sha256_hex hash");
    const v = await cli(["api", "keys", "verify-key", "--key", k.plaintext, "--output", "json"]);
    expect(v.json().data.code).toBe("NOT_FOUND");
  });

  it("stops with the API's error when the migration does not exist", async () => {
    const one = path.join(home, "one.jsonl");
    writeFileSync(one, JSON.stringify({ hash: legacyKeys(1, "x")[0]!.hash }) + "\n");
    const r = await cli(["api", "keys", "migrate-keys", "--migration-id", "mig_doesnotexist", "--api-id", apiId, "--file", one]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^Not found: The requested Migration does not exist/);
    expect(r.stdout).toMatch(/Request ID: req_\w+/);
    expect(r.stdout).toContain("Nothing was sent.");
  });

  it("sends --keys-json in one request and prints the envelope, as Unkey's CLI does", async () => {
    const k = legacyKeys(1, "inline")[0]!;
    const r = await cli([
      "api",
      "keys",
      "migrate-keys",
      "--migration-id",
      migrationId,
      "--api-id",
      apiId,
      "--keys-json",
      JSON.stringify([{ hash: k.hash }]),
      "--output",
      "json",
    ]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.json()).toMatchObject({ meta: { requestId: expect.stringMatching(/^req_/) }, data: { migrated: [{ hash: k.hash }], failed: [] } });
  });

  it("Ctrl-C ends the run after the batch in flight with a summary of what was not sent", async () => {
    const many = legacyKeys(3000, "sigint");
    const f = path.join(home, "sigint.jsonl");
    writeFileSync(f, many.map((k) => JSON.stringify({ hash: k.hash })).join("\n"));
    const api = (await cli(["api", "apis", "create-api", "--name", "interrupted", "--output", "json"])).json().data.apiId;
    const mig = (await cli(["api", "keys", "create-migration", "--api-id", api, "--output", "json"])).json().data.migrationId;
    const child = spawn(CLI_NODE, [CLI, "api", "keys", "migrate-keys", "--migration-id", mig, "--api-id", api, "--file", f, "--batch-size", "1"], {
      cwd: ROOT,
      env: { ...process.env, HOME: home, UNKEY_API_BASE_URL: server.url, UNKEY_ROOT_KEY: rootKey },
    });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    const closed = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
    // interrupt once keys are arriving (one key per request, so the run is far from done)
    for (;;) {
      const listed = await cli(["api", "apis", "list-keys", "--api-id", api, "--limit", "1", "--output", "json"]);
      if (listed.json().data.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill("SIGINT");
    expect(await closed).toBe(1);
    const notSent = Number(/^Interrupted: (\d+) keys were not sent\.$/m.exec(stdout)?.[1]);
    const migrated = Number(/^Migrated (\d+) of 3000 keys/m.exec(stdout)?.[1]);
    expect(notSent).toBeGreaterThan(0);
    expect(migrated).toBeGreaterThan(0);
    expect(migrated + notSent).toBe(3000);
  });

  it.skipIf(!hasScript)("draws a progress bar on a terminal", async () => {
    const ttyKeys = legacyKeys(40, "tty");
    const f = path.join(home, "tty.jsonl");
    writeFileSync(f, ttyKeys.map((k) => JSON.stringify({ hash: k.hash })).join("\n"));
    const cmd = [CLI_NODE, CLI, "api", "keys", "migrate-keys", "--migration-id", migrationId, "--api-id", apiId, "--file", f, "--batch-size", "10"]
      .map((a) => `'${a}'`)
      .join(" ");
    // `script` gives the CLI a pseudo-terminal, as an interactive shell would
    const r = spawnSync("script", ["-qec", cmd, "/dev/null"], {
      cwd: ROOT,
      encoding: "utf8",
      env: { ...process.env, HOME: home, UNKEY_API_BASE_URL: server.url, UNKEY_ROOT_KEY: rootKey },
    });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toContain("Migrating keys |");
    expect(r.stdout).toContain("40/40 keys");
    expect(r.stdout).toContain("Migrated 40 of 40 keys in 4 request(s)");
  });
});
