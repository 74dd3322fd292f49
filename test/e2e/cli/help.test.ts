// The CLI without a server: command tree, help texts, parsing errors and exit codes.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM module of the CLI
import { GROUPS, operationId } from "../../../cli/src/operations.js";
import { CLI_NODE, ROOT, runCli, tempHome } from "./run";

const home = tempHome();

const node20 = CLI_NODE !== process.execPath ? CLI_NODE : undefined;
const cli = (args: string[], env?: Record<string, string>) => runCli(args, { home, env });

/** Every command of Unkey's CLI tree (except deploy and its internal tooling), plus our extensions. */
const UNKEY_TREE: Record<string, string[]> = {
  analytics: ["get-verifications"],
  apis: ["create-api", "delete-api", "get-api", "list-keys"],
  identities: ["create-identity", "delete-identity", "get-identity", "list-identities", "update-identity"],
  keys: [
    "create-key",
    "delete-key",
    "get-key",
    "verify-key",
    "update-key",
    "reroll-key",
    "whoami",
    "migrate-keys",
    "add-permissions",
    "remove-permissions",
    "set-permissions",
    "add-roles",
    "remove-roles",
    "set-roles",
    "update-credits",
  ],
  permissions: ["create-permission", "create-role", "delete-permission", "delete-role", "get-permission", "get-role", "list-permissions", "list-roles"],
  ratelimit: ["limit", "multi-limit", "set-override", "get-override", "delete-override", "list-overrides"],
};
const EXTENSIONS: Record<string, string[]> = {
  workspaces: ["create-workspace", "update-workspace"],
  "root-keys": ["create-root-key", "list-root-keys", "delete-root-key", "whoami"],
  apis: ["update-api"],
  audit: ["list-logs", "get-log"],
  keys: ["create-migration"],
  permissions: ["set-role-permissions"],
  ratelimit: ["delete-namespace"],
  webhooks: [
    "create-endpoint",
    "get-endpoint",
    "list-endpoints",
    "update-endpoint",
    "delete-endpoint",
    "rotate-secret",
    "send-test",
    "list-deliveries",
    "retry-delivery",
  ],
};

describe("unkey --help and the command tree", () => {
  it("root help lists auth, api and healthcheck with the environment variables, exit 0", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    for (const word of ["auth", "api", "healthcheck <url>", "UNKEY_ROOT_KEY", "UNKEY_API_BASE_URL", "UNKEY_CONFIG", "UNKEY_OUTPUT", "Examples:"]) {
      expect(r.stdout).toContain(word);
    }
  });

  it("-h, help and help <command> all print help", async () => {
    expect((await cli(["-h"])).stdout).toContain("Usage: unkey");
    expect((await cli(["help"])).stdout).toContain("Usage: unkey");
    const sub = await cli(["help", "api"]);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain("Usage: unkey api");
    const nested = await cli(["api", "keys", "help", "create-key"]);
    expect(nested.code).toBe(0);
    expect(nested.stdout).toContain("Usage: unkey api keys create-key");
    const deep = await cli(["help", "api", "keys", "create-key"]);
    expect(deep.code).toBe(0);
    expect(deep.stdout).toBe((await cli(["api", "keys", "create-key", "--help"])).stdout);
    const unknown = await cli(["help", "api", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain("unknown command 'nope'");
  });

  it.skipIf(!node20)("runs on Node 20 without a build step (every CLI test here uses it when present)", async () => {
    const r = await runCli(["api", "keys", "verify-key", "--help"], { home, node: node20 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: unkey api keys verify-key");
    expect(execFileSync(node20!, ["--version"], { encoding: "utf8" })).toMatch(/^v20\./);
  });

  it("runs as `npx unkey` from the project (the package's bin)", () => {
    const out = execFileSync("npx", ["--no-install", "unkey", "--version"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, HOME: home } });
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
    expect(out.trim()).toBe(pkg.version);
  });

  it("-v and --version print the version", async () => {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
    expect((await cli(["-v"])).stdout.trim()).toBe(pkg.version);
    expect((await cli(["--version"])).stdout.trim()).toBe(pkg.version);
  });

  it("`unkey api --help` lists every group", async () => {
    const r = await cli(["api", "--help"]);
    for (const g of [...Object.keys(UNKEY_TREE), ...Object.keys(EXTENSIONS)]) expect(r.stdout).toMatch(new RegExp(`^  ${g} `, "m"));
  });

  it("every action of Unkey's CLI and of our extensions is in the tree", async () => {
    const tree = new Map<string, string[]>(GROUPS.map((g: any) => [g.name, g.operations.map((o: any) => o.action)]));
    for (const source of [UNKEY_TREE, EXTENSIONS]) {
      for (const [group, actions] of Object.entries(source)) {
        expect(tree.get(group), group).toBeDefined();
        for (const a of actions) expect(tree.get(group), `${group} ${a}`).toContain(a);
      }
    }
    for (const group of Object.keys(UNKEY_TREE)) {
      const r = await cli(["api", group, "--help"]);
      expect(r.code).toBe(0);
      for (const a of tree.get(group)!) expect(r.stdout).toMatch(new RegExp(`^  ${a} `, "m"));
    }
  });

  it("every api command's help has a description, every flag with its type, the endpoint and examples", async () => {
    const placeholder: Record<string, string> = { string: "<string>", int: "<int>", bool: "[bool]", list: "<list>", json: "<json>" };
    for (const group of GROUPS) {
      for (const op of group.operations) {
        const r = await cli(["api", group.name, op.action, "--help"]);
        expect(r.code, `${group.name} ${op.action}`).toBe(0);
        expect(r.stdout).toContain(`Usage: unkey api ${group.name} ${op.action}`);
        expect(r.stdout).toContain(op.description.split("\n")[0].slice(0, 40));
        expect(r.stdout).toContain(`Calls POST /v2/${operationId(group, op)}.`);
        expect(r.stdout).toContain("Examples:");
        for (const f of op.flags) {
          expect(r.stdout, `${op.action} --${f.name}`).toContain(`--${f.name} ${f.placeholder ?? placeholder[f.type]}`);
        }
        for (const g of ["--api-url <url>", "--config <path>", "--output <format>"]) expect(r.stdout).toContain(g);
        expect(r.stdout).toContain(group.name === "workspaces" ? "--admin-key <string>" : "--root-key <string>");
      }
    }
  });

  it("operations map `<group> <action>` to POST /v2/<group>.<camelCaseAction>", () => {
    const keys = GROUPS.find((g: any) => g.name === "keys");
    const rootKeys = GROUPS.find((g: any) => g.name === "root-keys");
    expect(
      operationId(
        keys,
        keys.operations.find((o: any) => o.action === "update-credits"),
      ),
    ).toBe("keys.updateCredits");
    expect(operationId(rootKeys, rootKeys.operations[0])).toBe("rootKeys.createRootKey");
  });
});

describe("parsing errors exit 1 with a message on stdout", () => {
  it("an unknown command is rejected and the valid ones are listed", async () => {
    const r = await cli(["api", "keys", "create-kee"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("unknown command 'create-kee'");
    expect(r.stdout).toContain("create-key");
  });

  it("an unknown flag is rejected and the valid ones are listed", async () => {
    const r = await cli(["api", "apis", "get-api", "--api-id", "api_123456789", "--colour", "red"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("unknown option '--colour'");
    expect(r.stdout).toContain("--api-id <string>");
  });

  it("a mistyped flag is reported as unknown with a suggestion, not as a missing required flag", async () => {
    const r = await cli(["api", "apis", "create-api", "--nme", "payments"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^error: unknown option '--nme'\n\(Did you mean --name\?\)/);
  });

  it("a flag typed partly is matched by prefix before edit distance: --credit suggests --credits-json", async () => {
    const r = await cli(["api", "keys", "create-key", "--api-id", "api_123456789", "--credit", '{"remaining":5}']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^error: unknown option '--credit'\n\(Did you mean --credits-json\?\)/);
    const eq = await cli(["api", "keys", "create-key", "--api-id", "api_123456789", "--ratelimit={}"]);
    expect(eq.stdout).toMatch(/\(Did you mean --ratelimits-json\?\)/);
    const several = await cli(["api", "keys", "update-key", "--key-id", "key_123", "--ro", "x"]);
    expect(several.code).toBe(1);
    // too short for a prefix guess: the edit-distance suggestion (or none) as commander gives it
    expect(several.stdout).not.toContain("--credits-json?");
    const global = await cli(["api", "apis", "get-api", "--api-id", "api_1", "--out", "json"]);
    expect(global.stdout).toMatch(/\(Did you mean --output\?\)/);
  });

  it("verify-key --fail-invalid takes a boolean and is checked before anything is sent", async () => {
    const r = await cli(["api", "keys", "verify-key", "--key", "sk_1", "--fail-invalid=maybe", "--root-key", "k", "--api-url", "http://127.0.0.1:9"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^invalid value for --fail-invalid: "maybe" is not a boolean/);
    const help = await cli(["api", "keys", "verify-key", "--help"]);
    expect(help.stdout).toContain("--fail-invalid [bool]");
    expect(help.stdout).toContain("2 when the");
  });

  it("every missing required flag is named", async () => {
    const r = await cli(["api", "ratelimit", "limit", "--namespace", "api"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("required options '--identifier <string>', '--limit <int>', '--duration <int>' not specified");
  });

  it("a missing required flag is named", async () => {
    const r = await cli(["api", "apis", "get-api"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("required option '--api-id <string>' not specified");
  });

  it("bad JSON in a -json flag is reported as such, before anything is sent", async () => {
    const r = await cli([
      "api",
      "keys",
      "create-key",
      "--api-id",
      "api_123456789",
      "--meta-json",
      "{nope",
      "--root-key",
      "k",
      "--api-url",
      "http://127.0.0.1:9",
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^invalid JSON for --meta-json: /);
  });

  it("integers and booleans are checked", async () => {
    const base = ["api", "apis", "list-keys", "--api-id", "api_123456789", "--root-key", "k", "--api-url", "http://127.0.0.1:9"];
    const badInt = await cli([...base, "--limit", "ten"]);
    expect(badInt.code).toBe(1);
    expect(badInt.stdout).toContain('invalid value for --limit: "ten" is not an integer');
    const badBool = await cli([...base, "--decrypt=perhaps"]);
    expect(badBool.code).toBe(1);
    expect(badBool.stdout).toContain("invalid value for --decrypt");
  });

  it("an api command without any root key says how to get one", async () => {
    const r = await cli(["api", "apis", "get-api", "--api-id", "api_123456789"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("No root key found");
    expect(r.stdout).toContain("unkey auth login");
  });

  it("an unreachable server is an error with exit 1", async () => {
    const r = await cli(["api", "apis", "get-api", "--api-id", "api_123456789", "--root-key", "k", "--api-url", "http://127.0.0.1:9"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("cannot reach http://127.0.0.1:9");
  });

  it("an unknown --output format is rejected", async () => {
    const r = await cli(["api", "apis", "get-api", "--api-id", "api_123456789", "--output", "yaml"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("--output");
  });

  it("auth login rejects an empty key", async () => {
    const r = await runCli(["auth", "login"], { home, input: "\n" });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Enter your root key:");
    expect(r.stdout).toContain("root key cannot be empty");
  });

  it("healthcheck fails with exit 1 when nothing answers", async () => {
    const r = await cli(["healthcheck", "http://127.0.0.1:9/health"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("healthcheck failed");
  });
});
