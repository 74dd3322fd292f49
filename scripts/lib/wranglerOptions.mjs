#!/usr/bin/env node
// Prints (JSON) the Miniflare worker options wrangler itself derives from each config given on
// the command line (unstable_getMiniflareWorkerOptions: every binding type wrangler knows).
// A separate process so the runner never loads wrangler (its exit hooks would race ours).
import path from "node:path";
import { unstable_getMiniflareWorkerOptions } from "wrangler";

// @ts-expect-error envFiles is read by wrangler (options?.envFiles) but missing from its declared options
const out = process.argv.slice(2).map((config) => unstable_getMiniflareWorkerOptions(path.resolve(config), undefined, { envFiles: [] }).workerOptions);
process.stdout.write(JSON.stringify(out));
