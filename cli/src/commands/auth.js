// `unkey auth login`: asks for a root key (hidden on a terminal) and stores it in the config file.
import { Option } from "commander";
import { resolveConfigPath, storeRootKey } from "../config.js";
import { CliError } from "../errors.js";
import { print } from "../output.js";

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

export function registerAuth(program) {
  const auth = program.command("auth").summary("store the root key the api commands use").description("Manage the credentials of the CLI.");
  auth
    .command("login")
    .summary("store a root key in the config file")
    .description(
      "Asks for a root key (typing stays hidden) and saves it in ~/.unkey/config.toml, readable only by you\n" +
        "(directory mode 0700, file mode 0600). Running it again replaces the stored key. The api commands use\n" +
        "this key when neither --root-key nor UNKEY_ROOT_KEY is given. Without a terminal, the key is read\n" +
        "from the first line of standard input.",
    )
    .addOption(new Option("--config <path>", "config file to write (default: ~/.unkey/config.toml)").env("UNKEY_CONFIG"))
    .addHelpText("after", "\nExamples:\n  $ unkey auth login\n  $ printf '%s\\n' \"$ROOT_KEY\" | unkey auth login")
    .action(async (opts) => {
      const question = "Enter your root key: ";
      const raw = process.stdin.isTTY ? await promptHidden(question) : await readPipedLine(question);
      const key = raw.trim();
      if (!key) throw new CliError("root key cannot be empty");
      const file = resolveConfigPath(opts.config);
      storeRootKey(file, key);
      print(`Authentication successful. Key stored in ${file}`);
    });
}
