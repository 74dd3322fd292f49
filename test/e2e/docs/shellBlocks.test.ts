// Every ```sh / ```bash / ```shell block of README.md and docs/*.md, run with bash against a
// local server, so the docs cannot drift from what works. The annotations that steer a block
// (HTML comments right above it) are described in docs/DEVELOPMENT.md → "Shell blocks in the docs".
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApi, type TestServer } from "../helpers/server";

const ROOT = path.resolve(__dirname, "../../..");
const FILES = [
  "README.md",
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];
const FENCE = /^(\s*)```(sh|bash|shell)\s*$/;
const BLOCK_TIMEOUT_MS = 60_000;

export interface Block {
  file: string;
  /** 1-based line of the opening fence */
  line: number;
  code: string;
  mode: "run" | "syntax" | "skip" | "expect-fail";
  reason?: string;
  env: string[];
  stdin?: string;
}

/** The shell blocks of a Markdown text, each with the `<!-- doc-test: … -->` comments above it. */
export function extractBlocks(file: string, text: string): Block[] {
  const lines = text.split("\n");
  const line = (n: number) => lines[n] ?? "";
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(line(i));
    if (!open) continue;
    const indent = (open[1] ?? "").length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(line(j)); j++) body.push(line(j).slice(Math.min(indent, line(j).search(/\S|$/))));
    const block: Block = { file, line: i + 1, code: body.join("\n"), mode: "run", env: [] };
    // directives: the HTML comments directly above the fence (blank lines between are allowed)
    for (let k = i - 1; k >= 0; k--) {
      const l = line(k).trim();
      if (l === "") continue;
      const m = /^<!--\s*doc-test:\s*(\S+)\s*(.*?)\s*-->$/.exec(l);
      if (!m) break;
      const [, directive, arg = ""] = m;
      if (directive === "syntax" || directive === "skip") Object.assign(block, { mode: directive, reason: arg || undefined });
      else if (directive === "expect-fail") block.mode = "expect-fail";
      else if (directive === "env") block.env.unshift(arg);
      else if (directive === "stdin") block.stdin = arg;
      else throw new Error(`${file}:${k + 1}: unknown doc-test directive '${directive}'`);
    }
    blocks.push(block);
    i = j;
  }
  return blocks;
}

/**
 * What bash runs for a block: the local server's address instead of the default ports, and a
 * placeholder assignment (`ROOT=unkey_...`, `ADMIN_KEY=...`, `ROOT=<root key>`) keeps the value
 * the test provides instead (failing when there is none).
 */
export function rewrite(code: string, apiHost: string): string {
  return code
    .replace(/\b(localhost|127\.0\.0\.1):8787\b/g, apiHost)
    .replace(
      /(^|;[ \t]*|&&[ \t]*)(export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)=(<[^>\n]*>|[^\s;'"]*(?:\.\.\.|…)[^\s;'"]*)/gm,
      (_m, lead, exp, name) => `${lead}${exp ?? ""}${name}="\${${name}:?doc-test: give ${name} a value with <!-- doc-test: env ${name}=... -->}"`,
    );
}

// bash's own variables, never carried from one block to the next
const BASH_OWN =
  "^(BASH.*|COLUMNS|COMP_.*|DIRSTACK|EPOCH.*|EUID|FUNCNAME|GROUPS|HISTCMD|HOSTNAME|HOSTTYPE|IFS|LINENO|LINES|MACHTYPE|OPTARG|OPTERR|OPTIND|OSTYPE|PIPESTATUS|PPID|PS4|PWD|OLDPWD|RANDOM|SECONDS|SHELLOPTS|SHLVL|SRANDOM|UID|_|__doc_.*)$";

function which(cmd: string): string {
  const r = spawnSync("bash", ["-c", `command -v ${cmd}`], { encoding: "utf8" });
  return r.stdout.trim();
}

let server: TestServer;
let shims: string;

beforeAll(async () => {
  server = await startApi();
  // `unkey`, `npx unkey` and `npx wrangler` run this checkout's CLI and wrangler, from any directory
  shims = mkdtempSync(path.join(tmpdir(), "doc-test-bin-"));
  const node = process.execPath;
  const npx = which("npx");
  const npm = which("npm");
  const files: Record<string, string> = {
    unkey: `#!/bin/sh\nexec '${node}' '${ROOT}/cli/bin/unkey.js' "$@"\n`,
    npx: `#!/bin/sh\ncase "$1" in\n  unkey) shift; exec '${node}' '${ROOT}/cli/bin/unkey.js' "$@" ;;\n  wrangler) shift; exec '${node}' '${ROOT}/node_modules/wrangler/bin/wrangler.js' "$@" ;;\n  *) cd '${ROOT}' && exec '${npx}' "$@" ;;\nesac\n`,
    npm: `#!/bin/sh\ncd '${ROOT}' && exec '${npm}' "$@"\n`,
  };
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(path.join(shims, name), text);
    chmodSync(path.join(shims, name), 0o755);
  }
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

for (const file of FILES) {
  const blocks = extractBlocks(file, readFileSync(path.join(ROOT, file), "utf8"));
  if (blocks.length === 0) continue;
  describe(file, () => {
    // one HOME, working directory, workspace and variable state per file; blocks run in order
    let dir: string;
    let env: Record<string, string>;
    let state: string;
    beforeAll(async () => {
      dir = mkdtempSync(path.join(tmpdir(), "doc-test-"));
      const home = path.join(dir, "home");
      const cwd = path.join(dir, "work");
      mkdirSync(home);
      mkdirSync(cwd);
      // curl fails on HTTP errors, so a block whose request is refused fails
      writeFileSync(path.join(home, ".curlrc"), "--fail-with-body\n--show-error\n");
      state = path.join(dir, "state.sh");
      writeFileSync(state, "");
      const ws = await server.newWorkspace(`docs ${file}`);
      env = {
        PATH: `${shims}:${process.env.PATH}`,
        HOME: home,
        TMPDIR: dir,
        NO_COLOR: "1",
        API_URL: server.url,
        KEYFORGE: server.url,
        UNKEY_API_BASE_URL: server.url,
        ADMIN_KEY: server.adminKey,
        UNKEY_ADMIN_KEY: server.adminKey,
        ROOT_KEY: ws.rootKey,
        ROOT: ws.rootKey,
        WORKSPACE_ID: ws.workspaceId,
        DOC_TEST_CWD: cwd,
      };
    }, 60_000);

    for (const block of blocks) {
      const name = `${file}:${block.line}${block.mode === "run" ? "" : ` (${block.mode}${block.reason ? `: ${block.reason}` : ""})`}`;
      it.skipIf(block.mode === "skip")(
        name,
        () => {
          const host = new URL(server.url).host;
          const code = rewrite(block.code, host);
          if (block.mode === "syntax") {
            const r = spawnSync("bash", ["-n", "-c", code], { encoding: "utf8" });
            expect(r.status, `${file}:${block.line}: bash -n:\n${r.stderr}`).toBe(0);
            return;
          }
          const script = [
            `cd "$DOC_TEST_CWD"`,
            `source '${state}' 2>/dev/null`,
            "set -eo pipefail",
            ...block.env.map((e) => `export ${e}`),
            block.stdin !== undefined ? `exec < <(printf '%s\\n' ${block.stdin})` : "exec </dev/null",
            code,
            "set +e",
            `{ for __doc_v in $(compgen -v | grep -Ev '${BASH_OWN}'); do declare -p "$__doc_v"; done; declare -f; } > '${state}' 2>/dev/null`,
          ].join("\n");
          const r = spawnSync("bash", ["-c", script], { encoding: "utf8", env: { ...env }, timeout: BLOCK_TIMEOUT_MS });
          const output = `${r.stdout}${r.stderr}`.slice(-4000);
          const report = `${file}:${block.line} ${block.mode === "expect-fail" ? "was expected to fail but" : "failed"} (exit ${r.status}${r.signal ? `, ${r.signal}` : ""})\n--- block ---\n${block.code}\n--- output ---\n${output}`;
          if (block.mode === "expect-fail") expect(r.status, report).not.toBe(0);
          else expect(r.status, report).toBe(0);
        },
        BLOCK_TIMEOUT_MS + 5_000,
      );
    }
  });
}
