// Where `npm start` keeps its local files: state (.wrangler/state, as wrangler keeps it), the
// bundles it runs, and the record of the running instance ({ pid, token, api, sentinel,
// stateDir, startedAt }) that `npm run bootstrap` reads. KEYFORGE_LOCAL_DIR moves all three
// (the tests use it so they never touch a developer's .wrangler/).
import path from "node:path";
import { ROOT } from "./wrangler.mjs";

export const LOCAL_DIR = process.env.KEYFORGE_LOCAL_DIR ? path.resolve(process.env.KEYFORGE_LOCAL_DIR) : path.join(ROOT, ".wrangler");
export const RUNNER_FILE = path.join(LOCAL_DIR, "runner.json");
export const BUNDLE_DIR = path.join(LOCAL_DIR, "runner/bundle");
export const STATE_DIR = path.join(LOCAL_DIR, "state");
