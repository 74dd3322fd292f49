// `unkey auth login`: asks for a root key (hidden on a terminal), checks it with the server and
// stores it (and, with --api-url, the server's address) in the config file.
import { Option } from "commander";
import { DEFAULT_API_URL, resolveSettings, storeRootKey } from "../config.js";
import { CliError } from "../errors.js";
import { callApi } from "../http.js";
import { apiError, print } from "../output.js";

/** Reads one line from a terminal without echoing it. */
function promptHidden(question) {
  return new Promise((resolve, reject) => {
    const { stdin, stdout } = process;
    let value = "";
    // echo goes off before the prompt shows, so nothing typed early is displayed
    stdin.setRawMode(true);
    stdout.write(question);
    stdin.resume();
    stdin.setEncoding("utf8");
    const done = (fn) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener("data", onData);
      stdout.write("\n");
      fn();
    };
    const onData = (chunk) => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") return done(() => resolve(value));
        if (ch === "\u0003") return done(() => reject(new CliError("login cancelled")));
        if (ch === "\u007f" || ch === "\b") value = value.slice(0, -1);
        else if (ch >= " ") value += ch;
      }
    };
    stdin.on("data", onData);
  });
}

/** Reads the first line of piped stdin (`echo $KEY | unkey auth login`). */
async function readPipedLine(question) {
  process.stdout.write(question);
  let data = "";
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin) {
    data += chunk;
    if (data.includes("\n")) break;
  }
  process.stdout.write("\n");
  return data.split(/\r?\n/)[0];
}

/** Asks the server who the key is (rootKeys.whoami); any answer but a valid key is an error. */
async function whoami(apiUrl, key) {
  let result;
  try {
    result = await callApi({ apiUrl, operationId: "rootKeys.whoami", body: {}, token: key });
  } catch (err) {
    if (err instanceof CliError) err.lines = [...err.lines, "Nothing was stored. Is the server running? Pass its address with --api-url."];
    throw err;
  }
  if (result.status === 200) return result.body.data;
  const detail = result.body?.error?.detail ?? `HTTP ${result.status}`;
  const lines =
    result.status === 401 || result.status === 403
      ? [`Login failed: the server at ${apiUrl} does not accept this root key: ${detail}`]
      : result.status === 404
        ? [`Login failed: ${apiUrl} does not answer rootKeys.whoami (${detail}); is --api-url a keyforge API server?`]
        : [apiError(result).lines[0]];
  lines.push("Nothing was stored.");
  if (result.requestId) lines.push(`Request ID: ${result.requestId}`);
  throw new CliError(lines[0], { lines, envelope: result.body, status: result.status });
}

export function registerAuth(program) {
  const auth = program.command("auth").summary("store the root key the api commands use").description("Manage the credentials of the CLI.");
  auth
    .command("login")
    .summary("check a root key with the server and store it in the config file")
    .description(
      "Asks for a root key (typing stays hidden), checks it with the server (rootKeys.whoami) and, when the " +
        "server accepts it, says which workspace it belongs to and saves it in ~/.unkey/config.toml, readable " +
        "only by you (directory mode 0700, file mode 0600). A key the server refuses is not stored (exit 1). " +
        "Running it again replaces the stored key. --api-url also stores the server's address, which the api " +
        "commands then use unless --api-url or UNKEY_API_BASE_URL says otherwise. The api commands use the " +
        "stored key when neither --root-key nor UNKEY_ROOT_KEY is given. Without a terminal, the key is read " +
        "from the first line of standard input.",
    )
    .addOption(
      new Option("--api-url <url>", `server to check the key with, stored in the config file (default: the stored one, else ${DEFAULT_API_URL})`).env(
        "UNKEY_API_BASE_URL",
      ),
    )
    .addOption(new Option("--config <path>", "config file to write (default: ~/.unkey/config.toml)").env("UNKEY_CONFIG"))
    .addHelpText(
      "after",
      "\nExamples:\n  $ unkey auth login\n  $ printf '%s\\n' \"$ROOT_KEY\" | unkey auth login\n  $ unkey auth login --api-url https://keys.example.com",
    )
    .action(async (opts, command) => {
      // the URL is checked before the prompt, so a typo does not cost the user a paste
      const settings = resolveSettings({ apiUrl: opts.apiUrl, config: opts.config });
      const question = "Enter your root key: ";
      const raw = process.stdin.isTTY ? await promptHidden(question) : await readPipedLine(question);
      const key = raw.trim();
      if (!key) throw new CliError("root key cannot be empty");
      const me = await whoami(settings.apiUrl, key);
      const file = settings.configPath;
      // only an explicit --api-url is remembered; UNKEY_API_BASE_URL stays a per-shell choice
      const storeUrl = command.getOptionValueSource("apiUrl") === "cli";
      storeRootKey(file, key, { apiUrl: storeUrl ? settings.apiUrl : undefined });
      const name = me.name ? ` ("${me.name}")` : "";
      const lines = [`Authentication successful: root key ${me.keyId}${name} of workspace "${me.workspaceName}" (${me.workspaceId}).`, `Key stored in ${file}`];
      if (storeUrl) lines.push(`API URL ${settings.apiUrl} stored in ${file}`);
      print(lines.join("\n"));
    });
}
