// ~/.unkey/config.toml: where `unkey auth login` stores the root key, and how the `api`
// commands find their root key, API URL and output format.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { parse as parseToml, stringify as stringifyToml } from "smol-toml";
import { CliError } from "./errors.js";

/** Our local server (`npm start`), not Unkey's cloud. */
export const DEFAULT_API_URL = "http://127.0.0.1:8787";
export const OUTPUT_FORMATS = ["human", "json", "table"];

export function defaultConfigPath() {
  return path.join(homedir(), ".unkey", "config.toml");
}

/** `--config` / `UNKEY_CONFIG`, else `~/.unkey/config.toml`; a leading `~/` means the home directory. */
export function resolveConfigPath(value) {
  if (!value) return defaultConfigPath();
  if (value === "~" || value.startsWith("~/")) return path.join(homedir(), value.slice(1));
  return path.resolve(value);
}

/** The parsed config file, or `{}` when there is none. */
export function readConfig(file) {
  if (!existsSync(file)) return {};
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (/** @type {any} */ err) {
    throw new CliError(`cannot read config file ${file}: ${err.message}`);
  }
  try {
    return parseToml(text);
  } catch (/** @type {any} */ err) {
    throw new CliError(`config file ${file} is not valid TOML: ${err.message.split("\n")[0]}`);
  }
}

/**
 * Stores the root key (and, when given, the API URL): the directory is created with mode 0700,
 * the file is written with mode 0600 (and re-chmodded, in case it existed with looser bits).
 * Other settings in the file stay.
 * @param {string} file
 * @param {string} rootKey
 * @param {{ apiUrl?: string }} [opts]
 */
export function storeRootKey(file, rootKey, { apiUrl } = {}) {
  const dir = path.dirname(file);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  let existing = {};
  try {
    existing = readConfig(file);
  } catch {
    existing = {}; // an unreadable file is replaced, as a rerun of login should fix things
  }
  const next = { ...existing, root_key: rootKey, ...(apiUrl ? { api_url: apiUrl } : {}) };
  writeFileSync(file, stringifyToml(next) + "\n", { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** A root key in a file others can read is a leak waiting to happen: say so (on stderr). */
function warnIfShared(file) {
  if (process.platform === "win32") return;
  try {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) {
      process.stderr.write(`warning: ${file} holds a root key and is readable by others (mode ${mode.toString(8)}); run: chmod 600 ${file}\n`);
    }
  } catch {
    // unreadable metadata is not worth failing the command for
  }
}

/**
 * What an `api` command runs with. Commander already applied flag > environment variable;
 * the config file comes last.
 */
export function resolveSettings(opts) {
  const configPath = resolveConfigPath(opts.config);
  let config;
  const loadConfig = () => (config ??= readConfig(configPath));
  const output = (opts.output ?? "human").toLowerCase();
  if (!OUTPUT_FORMATS.includes(output)) {
    throw new CliError(`invalid value for --output: "${opts.output}" (use one of ${OUTPUT_FORMATS.join(", ")})`);
  }
  const apiUrl = (opts.apiUrl || loadConfig().api_url || DEFAULT_API_URL).replace(/\/+$/, "");
  let parsed;
  try {
    parsed = new URL(apiUrl);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw new CliError(`invalid value for --api-url: "${apiUrl}" is not an http(s) URL`);
  }
  return {
    configPath,
    output,
    apiUrl,
    /** the root key: --root-key, then UNKEY_ROOT_KEY, then `root_key` of the config file */
    rootKey() {
      if (opts.rootKey) return opts.rootKey;
      const fromFile = loadConfig().root_key;
      if (typeof fromFile === "string" && fromFile.length > 0) {
        warnIfShared(configPath);
        return fromFile;
      }
      throw new CliError("no root key: pass --root-key, set UNKEY_ROOT_KEY, or run `unkey auth login`", {
        lines: ["No root key found.", "Pass --root-key, set UNKEY_ROOT_KEY, or run `unkey auth login` to store one in " + configPath + "."],
      });
    },
  };
}
