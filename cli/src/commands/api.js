// `unkey api <group> <action>`: generated from the operations table.
import { Option } from "commander";
import { DEFAULT_API_URL, OUTPUT_FORMATS, resolveSettings } from "../config.js";
import { CliError } from "../errors.js";
import { attributeName, bodyField, convert, toOption } from "../flags.js";
import { callApi } from "../http.js";
import { GROUPS, operationId } from "../operations.js";
import { apiError, renderSuccess } from "../output.js";
import { runtime } from "../runtime.js";
import { migrateKeys } from "./migrateKeys.js";

const CUSTOM = { migrateKeys };

/** Flags every `api` command takes: who it authenticates as, where it sends, how it prints. */
export function addConnectionOptions(cmd, { auth = "root" } = {}) {
  const group = "Global flags:";
  if (auth === "admin") {
    cmd.addOption(new Option("--admin-key <string>", "the server's operator secret ADMIN_KEY").env("UNKEY_ADMIN_KEY").helpGroup(group));
  } else {
    cmd.addOption(
      new Option("--root-key <string>", "root key to authenticate with; else UNKEY_ROOT_KEY, else the config file").env("UNKEY_ROOT_KEY").helpGroup(group),
    );
  }
  cmd.addOption(new Option("--api-url <url>", `base URL of the API (default: ${DEFAULT_API_URL})`).env("UNKEY_API_BASE_URL").helpGroup(group));
  cmd.addOption(new Option("--config <path>", "config file (default: ~/.unkey/config.toml)").env("UNKEY_CONFIG").helpGroup(group));
  cmd.addOption(
    new Option("--output <format>", "human (request id, then data), json (the whole response) or table")
      .choices(OUTPUT_FORMATS)
      .env("UNKEY_OUTPUT")
      .helpGroup(group),
  );
  cmd.addHelpOption(new Option("-h, --help", "show this help").helpGroup(group));
  return cmd;
}

/** The JSON body from the flags that were given (defaults shown in help are not sent). */
export function buildBody(op, cmd) {
  let body = {};
  for (const flag of op.flags) {
    if (flag.local) continue;
    const key = attributeName(flag.name);
    const raw = cmd.getOptionValue(key);
    if (raw === undefined) continue;
    // a default shown in help is the server's own unless the flag says the CLI sends it
    if (cmd.getOptionValueSource(key) === "default" && !flag.sendDefault) continue;
    const value = convert(flag, raw);
    const field = bodyField(flag);
    if (field === "$body") body = value;
    else body[field] = value;
  }
  return op.finish ? op.finish(body) : body;
}

/** The converted values of the flags the CLI keeps to itself (`local`), checked before sending. */
function localFlags(op, cmd) {
  const out = {};
  for (const flag of op.flags) {
    if (!flag.local) continue;
    const raw = cmd.getOptionValue(attributeName(flag.name));
    if (raw !== undefined) out[attributeName(flag.name)] = convert(flag, raw);
  }
  return out;
}

/** Sends one operation and returns the successful result; API errors become CliErrors. */
export async function send(settings, opId, body, token) {
  const result = await callApi({ apiUrl: settings.apiUrl, operationId: opId, body, token });
  if (result.status < 200 || result.status >= 300) throw apiError(result);
  return result;
}

export function credentials(settings, opts, auth) {
  if (auth !== "admin") return settings.rootKey();
  if (opts.adminKey) return opts.adminKey;
  throw new CliError("no admin key: pass --admin-key or set UNKEY_ADMIN_KEY");
}

/**
 * Required flags are checked here rather than by commander, so that a mistyped flag is reported
 * as unknown (commander checks unknown flags after mandatory ones) instead of as missing.
 */
function checkRequired(op, command) {
  const missing = op.flags
    .filter((f) => f.required && command.getOptionValue(attributeName(f.name)) === undefined)
    .map((f) => `'${command.options.find((o) => o.long === `--${f.name}`).flags}'`);
  if (missing.length === 0) return;
  command.error(`error: required ${missing.length === 1 ? "option" : "options"} ${missing.join(", ")} not specified`, {
    code: "commander.missingMandatoryOptionValue",
  });
}

function helpText(op, opId) {
  const lines = ["", `Calls POST /v2/${opId}.`];
  if (op.helpAfter) lines.push("", ...op.helpAfter);
  if (op.examples?.length) {
    lines.push("", "Examples:");
    for (const e of op.examples) lines.push(`  $ ${e}`);
  }
  return lines.join("\n");
}

function addOperation(groupCmd, group, op) {
  const opId = operationId(group, op);
  const auth = op.auth ?? group.auth ?? "root";
  const cmd = groupCmd.command(op.action).summary(op.summary).description(`${op.summary}.\n\n${op.description}`).usage("[flags]");
  cmd.optionsGroup("Flags:");
  for (const flag of op.flags) cmd.addOption(toOption(flag));
  addConnectionOptions(cmd, { auth });
  cmd.addHelpText("after", helpText(op, opId));
  cmd.action(async (_options, command) => {
    checkRequired(op, command);
    const opts = command.opts();
    const settings = resolveSettings(opts);
    runtime.output = settings.output;
    if (op.custom) {
      await CUSTOM[op.custom]({ op, opId, command, settings, token: () => credentials(settings, opts, auth) });
      return;
    }
    const body = buildBody(op, command);
    const local = localFlags(op, command);
    const result = await send(settings, opId, body, credentials(settings, opts, auth));
    renderSuccess(result, settings.output, op);
    if (op.exitCode) process.exitCode = op.exitCode(result, local);
  });
  return cmd;
}

export function registerApi(program) {
  const api = program
    .command("api")
    .summary("call the API: keys, APIs, identities, permissions, rate limits, analytics and more")
    .description(
      "Call any endpoint of the API from the shell. `unkey api <group> <action>` sends\n" +
        "POST /v2/<group>.<action in camelCase> with a JSON body built from the flags,\n" +
        "e.g. `unkey api keys update-credits` calls keys.updateCredits.\n\n" +
        "Authentication: --root-key, else UNKEY_ROOT_KEY, else the root key stored by `unkey auth login`.",
    );
  api.addHelpText(
    "after",
    "\nExamples:\n  $ unkey api apis create-api --name production\n  $ unkey api keys create-key --api-id api_123 --prefix sk\n  $ unkey api keys --help",
  );
  for (const group of GROUPS) {
    const groupCmd = api
      .command(group.name)
      .summary(group.description)
      .description(group.description + ".");
    for (const op of group.operations) addOperation(groupCmd, group, op);
    groupCmd.addHelpText(
      "after",
      `\nExamples:\n${group.operations
        .slice(0, 2)
        .map((o) => `  $ ${o.examples[0]}`)
        .join("\n")}\n  $ unkey api ${group.name} ${group.operations[0].action} --help`,
    );
  }
  return api;
}
