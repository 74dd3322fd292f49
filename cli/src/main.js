// Builds the `unkey` command tree and runs it. Exit code 0 on success, 1 on any error (and 2 for
// `verify-key --fail-invalid` on a key that is not valid); messages (errors included) go to stdout,
// as Unkey's CLI does.
import { Command, CommanderError } from "commander";
import { registerApi } from "./commands/api.js";
import { registerAuth } from "./commands/auth.js";
import { registerDeploy } from "./commands/deploy.js";
import { registerHealthcheck } from "./commands/healthcheck.js";
import { DEFAULT_API_URL } from "./config.js";
import { CliError } from "./errors.js";
import { print, renderError } from "./output.js";
import { installFlagSuggestions } from "./suggest.js";
import { runtime } from "./runtime.js";
import { VERSION } from "./version.js";

export function buildProgram() {
  const program = new Command("unkey");
  program
    .description(
      "Manage API keys, rate limits, identities and permissions of a Unkey-compatible API from the shell.\n" +
        `Talks to ${DEFAULT_API_URL} (the local server) unless --api-url or UNKEY_API_BASE_URL says otherwise.`,
    )
    .version(VERSION, "-v, --version", "print the version of the CLI")
    .helpOption("-h, --help", "show help for a command")
    .helpCommand(false)
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stdout.write(s),
    })
    .showHelpAfterError()
    .exitOverride();
  program.addHelpText(
    "after",
    [
      "",
      "Environment:",
      "  UNKEY_ROOT_KEY       root key for api commands (a --root-key flag wins)",
      "  UNKEY_API_BASE_URL   base URL of the API (default " + DEFAULT_API_URL + ")",
      "  UNKEY_CONFIG         config file (default ~/.unkey/config.toml)",
      "  UNKEY_OUTPUT         output format: human, json or table",
      "  UNKEY_ADMIN_KEY      operator secret for `unkey api workspaces ...`",
      "",
      "Examples:",
      "  $ unkey auth login",
      "  $ unkey auth login --api-url https://keys.example.com",
      "  $ unkey api apis create-api --name production",
      "  $ unkey api keys create-key --api-id api_123 --prefix sk --credits-json '{\"remaining\":100}'",
      "  $ unkey api keys verify-key --key sk_123abc",
      "  $ unkey api apis list-keys --api-id api_123 --output table",
      "  $ unkey deploy examples/hello-worker --project demo --env production",
      "  $ unkey healthcheck http://127.0.0.1:8787/v2/liveness",
      "",
      "Flags take `--name value` or `--name=value` (a single dash works too); booleans take `--flag` or",
      "`--flag=false`; lists are comma-separated or repeated; `--` ends the flags. Exit code: 0 on success,",
      "1 on any error; `verify-key --fail-invalid` exits 2 when the key is not valid.",
    ].join("\n"),
  );
  registerAuth(program);
  registerApi(program);
  registerDeploy(program);
  registerHealthcheck(program);
  addHelpCommands(program);
  installFlagSuggestions(program);
  return program;
}

/**
 * `help [command...]` on the root and on every group, walking any depth:
 * `unkey help api keys create-key` prints the same as `unkey api keys create-key --help`.
 */
function addHelpCommands(cmd) {
  const groups = cmd.commands.filter((c) => c.commands.length > 0);
  for (const g of groups) addHelpCommands(g);
  if (cmd.commands.length === 0) return;
  cmd.helpCommand(false);
  cmd
    .command("help")
    .argument("[command...]", "the command to explain")
    .summary("show help for a command")
    .description("Shows the help of a command, e.g. `help api keys create-key`.")
    .action((names) => {
      let target = cmd;
      for (const name of names) {
        const next = target.commands.find((c) => c.name() === name || c.aliases().includes(name));
        if (!next) target.error(`error: unknown command '${name}'`, { code: "commander.unknownCommand" });
        target = next;
      }
      target.outputHelp();
    });
}

function longOptionNames(cmd, names = new Set()) {
  for (const o of cmd.options) if (o.long) names.add(o.long.slice(2));
  for (const c of cmd.commands) longOptionNames(c, names);
  return names;
}

/** Go-style single-dash long flags (`-api-id x`) become `--api-id x`; nothing after `--` changes. */
export function normaliseArgs(args, known) {
  const out = [];
  let ended = false;
  for (const a of args) {
    if (ended || a === "--") {
      ended = true;
      out.push(a);
      continue;
    }
    const m = /^-([a-zA-Z][a-zA-Z0-9-]+)(=.*)?$/.exec(a);
    out.push(m && known.has(m[1]) ? `-${a}` : a);
  }
  return out;
}

export async function main(argv) {
  // `unkey ... | head`: a closed pipe ends the run quietly
  process.stdout.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
  const program = buildProgram();
  const args = normaliseArgs(argv.slice(2), longOptionNames(program));
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (/** @type {any} */ err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; every parse error (already printed by commander) exits 1
      process.exitCode = err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.exitCode === 0 ? 0 : 1;
      return;
    }
    if (err instanceof CliError) {
      renderError(err, runtime.output);
    } else {
      print(`error: ${err?.stack ?? err}`);
    }
    process.exitCode = 1;
  }
}
