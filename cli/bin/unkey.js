#!/usr/bin/env node
// The `unkey` command-line tool. See docs/cli.md.
import { main } from "../src/main.js";

await main(process.argv);
