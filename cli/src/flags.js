// Flag kinds of the `api` commands and how their raw command-line strings become JSON body
// values. Commander only collects the strings; conversion lives here so that every command
// reports a bad value the same way (`invalid value for --limit: ...`, `invalid JSON for --meta-json: ...`).
import { Option } from "commander";
import { CliError } from "./errors.js";

/** Placeholder shown in help for each kind of flag, so every flag documents its type. */
const PLACEHOLDER = {
  string: "<string>",
  int: "<int>",
  bool: "[bool]",
  list: "<list>",
  json: "<json>",
};

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);

/** `--name value` / `--name=value`; repeating a list flag appends (`--roles a --roles b,c`). */
export function toOption(flag) {
  const placeholder = flag.placeholder ?? PLACEHOLDER[flag.type];
  if (!placeholder) throw new Error(`unknown flag type ${flag.type} for --${flag.name}`);
  let help = flag.help;
  if (flag.type === "list") help += "; comma-separated or repeated";
  if (flag.nullable) help += "; `null` clears it";
  if (flag.required) help += " (required)";
  const opt = new Option(`--${flag.name} ${placeholder}`, help);
  if (flag.type === "list") opt.argParser((value, previous) => [...(previous ?? []), value]);
  if (flag.choices) opt.choices(flag.choices);
  if (flag.default !== undefined) opt.default(flag.default);
  if (flag.env) opt.env(flag.env);
  return opt;
}

/** Commander's attribute name for a flag (`--api-id` → `apiId`). */
export function attributeName(name) {
  return name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
}

/** The JSON body field a flag fills: explicit `field`, else the flag name without `-json`, camelCased. */
export function bodyField(flag) {
  return flag.field ?? attributeName(flag.name.replace(/-json$/, ""));
}

export function parseBool(flagName, raw) {
  if (raw === true || raw === false) return raw;
  const v = String(raw).trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new CliError(`invalid value for --${flagName}: "${raw}" is not a boolean (use true or false)`);
}

export function parseInt64(flagName, raw) {
  const v = String(raw).trim();
  if (!/^-?\d+$/.test(v)) throw new CliError(`invalid value for --${flagName}: "${raw}" is not an integer`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new CliError(`invalid value for --${flagName}: "${raw}" is out of range`);
  return n;
}

export function parseJsonFlag(flagName, raw) {
  try {
    return JSON.parse(raw);
  } catch (/** @type {any} */ err) {
    throw new CliError(`invalid JSON for --${flagName}: ${err.message}`);
  }
}

/** Comma lists, trimmed, empty entries dropped; repeated flags are concatenated. */
export function parseList(raw) {
  const parts = Array.isArray(raw) ? raw : [raw];
  return parts
    .flatMap((p) => String(p).split(","))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Converts one collected flag value into its JSON value. */
export function convert(flag, raw) {
  if (flag.nullable && typeof raw === "string" && raw.trim() === "null") return null;
  switch (flag.type) {
    case "string":
      return raw;
    case "int":
      return parseInt64(flag.name, raw);
    case "bool":
      return parseBool(flag.name, raw);
    case "list":
      return parseList(raw);
    case "json": {
      const value = parseJsonFlag(flag.name, raw);
      if (flag.jsonShape === "object" && (value === null || typeof value !== "object" || Array.isArray(value))) {
        throw new CliError(`invalid JSON for --${flag.name}: expected an object like '{"key":"value"}'`);
      }
      if (flag.jsonShape === "array" && !Array.isArray(value)) {
        throw new CliError(`invalid JSON for --${flag.name}: expected an array like '[{...}]'`);
      }
      return value;
    }
    default:
      throw new Error(`unknown flag type ${flag.type}`);
  }
}
