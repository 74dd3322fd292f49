// Where `npm start` records the running instance ({ pid, token, api, sentinel, stateDir,
// startedAt }); `npm run bootstrap` reads it.
import path from "node:path";
import { ROOT } from "./wrangler.mjs";

export const RUNNER_FILE = path.join(ROOT, ".wrangler/runner.json");
