// `unkey healthcheck <url>`: GET the URL; exit 0 only when it answers 200.
import { CliError } from "../errors.js";
import { getStatus } from "../http.js";
import { print } from "../output.js";

export function registerHealthcheck(program) {
  program
    .command("healthcheck")
    .summary("check that a URL answers 200")
    .description("Sends a GET request to the URL and succeeds only when it answers with status 200.\nUseful in container health checks and deploy scripts.")
    .argument("<url>", "the URL to check, e.g. http://127.0.0.1:8787/v2/liveness")
    .addHelpText(
      "after",
      "\nExamples:\n  $ unkey healthcheck http://127.0.0.1:8787/v2/liveness\n  $ unkey healthcheck https://api.example.com/health || echo down",
    )
    .action(async (url) => {
      try {
        new URL(url);
      } catch {
        throw new CliError(`invalid URL: ${url}`);
      }
      const r = await getStatus(url);
      if (r.error) throw new CliError(`healthcheck failed: ${url} cannot be reached (${r.error})`);
      if (r.status !== 200) throw new CliError(`healthcheck failed: ${url} answered ${r.status} (took ${r.tookMs}ms)`);
      print(`healthy: ${url} answered 200 (took ${r.tookMs}ms)`);
    });
}
