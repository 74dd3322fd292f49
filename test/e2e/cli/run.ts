import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const CLI = path.join(ROOT, "cli/bin/unkey.js");

/**
 * The Node the CLI runs under in these tests: a Node 20 binary when the machine has one (the
 * oldest Node the CLI supports; the test runner itself runs under the pinned Node 22), else this one.
 */
export const CLI_NODE =
  ["/usr/bin/node", "/usr/local/bin/node", "/bin/node"].find((p) => {
    try {
      return existsSync(p) && execFileSync(p, ["--version"], { encoding: "utf8" }).startsWith("v20.");
    } catch {
      return false;
    }
  }) ?? process.execPath;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (for `--output json`) */
  json(): any;
}

/** A fresh, empty HOME so `~/.unkey/config.toml` belongs to this test only. */
export function tempHome(): string {
  return mkdtempSync(path.join(tmpdir(), "unkey-cli-home-"));
}

/**
 * Runs the CLI as a user would: a child process of this Node, in the repo root, with its own HOME
 * and none of the caller's UNKEY_* variables (only those the test passes).
 */
export function runCli(args: string[], opts: { home: string; env?: Record<string, string>; input?: string; node?: string }): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("UNKEY_") && v !== undefined) env[k] = v;
  Object.assign(env, { HOME: opts.home, NO_COLOR: "1" }, opts.env);
  return new Promise((resolve, reject) => {
    const child = spawn(opts.node ?? CLI_NODE, [CLI, ...args], { cwd: ROOT, env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        json() {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\n${stderr}`);
          }
        },
      }),
    );
    child.stdin.end(opts.input ?? "");
  });
}
