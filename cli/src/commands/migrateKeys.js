// `unkey api keys migrate-keys`: inline (`--keys-json`, one request) or from a file (`--file`,
// checked first, then sent in batches with a progress bar and a summary).
import { existsSync, writeFileSync } from "node:fs";
import cliProgress from "cli-progress";
import { CliError } from "../errors.js";
import { convert, parseInt64 } from "../flags.js";
import { callApi } from "../http.js";
import { checkHashes, failedReason, hashIdentity, hashProblem, anyHashProblem } from "../hashes.js";
import { detectFormat, readKeyFile } from "../migrateFile.js";
import { apiError, print, renderSuccess } from "../output.js";

const MAX_BATCH = 1000;
const MAX_CONCURRENCY = 16;
const RETRIES = 4;
const SHOWN_PROBLEMS = 20;
/**
 * where a validation error points into `keys[]`: the schema keyword location
 * `/properties/keys/items/properties/hash/minLength` (Unkey's form), or a body path
 * `/body/keys/3/hash` / `body.keys[3].hash`
 */
const KEYS_LOCATION = /^\/?body[./]keys\b|^\/properties\/keys\//;
const KEY_PREFIX = /^\/?body[./]keys(\/\d+\/?|\[\d+\]\.?)|^\/properties\/keys\/items\/?/;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function migrateKeys({ op, opId, command, settings, token }) {
  const opts = command.opts();
  const flag = (name) => op.flags.find((f) => f.name === name);
  if (opts.keysJson !== undefined && opts.file !== undefined) throw new CliError("use either --keys-json or --file, not both");
  if (opts.keysJson === undefined && opts.file === undefined) {
    throw new CliError('missing keys: pass --file <path> (CSV or JSON lines) or --keys-json \'[{"hash":"..."}]\'');
  }
  // asked only after the local checks of the flags and the file, so those fail without a server
  const getAlgorithm = async () =>
    opts.hash
      ? { algorithm: opts.hash, source: "flag" }
      : { algorithm: await migrationAlgorithm(settings.apiUrl, opts.migrationId, token()), source: "server" };
  if (opts.keysJson !== undefined) {
    const keys = convert(flag("keys-json"), opts.keysJson);
    const { algorithm } = await getAlgorithm();
    // malformed or repeated hashes are named here, one reason each, and nothing is sent
    const problems = checkHashes(
      keys.map((k) => k ?? {}),
      algorithm,
      (i) => `keys[${i}]`,
    );
    if (problems.length) {
      const lines = [`--keys-json: ${problems.length} key(s) cannot be migrated; nothing was sent.`];
      for (const p of problems.slice(0, SHOWN_PROBLEMS)) lines.push(`  keys[${p.index}]: ${p.problem}`);
      if (problems.length > SHOWN_PROBLEMS) lines.push(`  … and ${problems.length - SHOWN_PROBLEMS} more`);
      throw new CliError(lines[0], { lines });
    }
    const body = { migrationId: opts.migrationId, apiId: opts.apiId, keys };
    const result = await callApi({ apiUrl: settings.apiUrl, operationId: opId, body, token: token() });
    if (result.status !== 200) throw apiError(result);
    return renderSuccess(result, settings.output, { table: { rows: "migrated" } });
  }
  return migrateFile({ opts, opId, settings, token: token(), getAlgorithm });
}

/**
 * The migration's hash algorithm (keys.getMigration, our extension), so hashes are checked as the
 * server will. An unknown migration stops here; a server without that endpoint leaves it unknown.
 */
async function migrationAlgorithm(apiUrl, migrationId, token) {
  const result = await callApi({ apiUrl, operationId: "keys.getMigration", body: { migrationId }, token });
  if (result.status === 200) return result.body?.data?.hash;
  if (result.status === 404 && String(result.body?.error?.type ?? "").endsWith("/route_not_found")) return undefined;
  const err = apiError(result);
  err.lines = [...err.lines, "Nothing was sent."];
  throw err;
}

/**
 * Reads the whole file once before anything is sent: counts keys, finds unreadable lines (which
 * stop the run) and keys whose hash is malformed for the algorithm or repeats an earlier line
 * (which are not sent and count as failed, each with its reason).
 */
async function checkFile(file, format, algorithm) {
  let total = 0;
  const problems = [];
  const skipped = new Map(); // line -> { hash, reason }
  const seen = new Map(); // hash identity -> first line
  for await (const item of readKeyFile(file, format)) {
    if (item.error) {
      problems.push(item);
      continue;
    }
    total++;
    const hash = item.key.hash;
    const problem = algorithm ? hashProblem(algorithm, hash) : anyHashProblem(hash);
    if (problem) {
      skipped.set(item.line, { hash, reason: `line ${item.line}: ${problem}` });
      continue;
    }
    const id = hashIdentity(algorithm, hash);
    if (seen.has(id)) skipped.set(item.line, { hash, reason: `line ${item.line}: repeated: same hash as line ${seen.get(id)}` });
    else seen.set(id, item.line);
  }
  return { total, problems, skipped };
}

async function* batches(file, format, size, skipped) {
  let batch = [];
  for await (const item of readKeyFile(file, format)) {
    if (skipped.has(item.line)) continue;
    batch.push(item.key);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

async function migrateFile({ opts, opId, settings, token, getAlgorithm }) {
  const file = opts.file;
  if (!existsSync(file)) throw new CliError(`file not found: ${file}`);
  const format = detectFormat(file, opts.format);
  if (!format) throw new CliError(`cannot tell the format of ${file} from its name: pass --format csv or --format jsonl`);
  const batchSize = parseInt64("batch-size", opts.batchSize);
  if (batchSize < 1 || batchSize > MAX_BATCH) throw new CliError(`invalid value for --batch-size: use 1 to ${MAX_BATCH}`);
  const concurrency = parseInt64("concurrency", opts.concurrency);
  if (concurrency < 1 || concurrency > MAX_CONCURRENCY) throw new CliError(`invalid value for --concurrency: use 1 to ${MAX_CONCURRENCY}`);

  const { algorithm, source: algorithmSource } = await getAlgorithm();
  const { total, problems, skipped } = await checkFile(file, format, algorithm);
  if (problems.length) {
    const lines = [`${file}: ${problems.length} line(s) cannot be read; nothing was sent.`];
    for (const p of problems.slice(0, SHOWN_PROBLEMS)) lines.push(`  line ${p.line}: ${p.error}`);
    if (problems.length > SHOWN_PROBLEMS) lines.push(`  … and ${problems.length - SHOWN_PROBLEMS} more`);
    throw new CliError(lines[0], { lines });
  }
  if (total === 0) throw new CliError(`${file} holds no keys`);

  const started = Date.now();
  // rejected: { hash, reason } for keys not sent (local checks) or refused by the server (400)
  const state = { migrated: [], failed: [], rejected: [...skipped.values()], requestIds: [], requests: 0 };
  const showBar = settings.output !== "json" && process.stderr.isTTY;
  const bar = showBar
    ? new cliProgress.SingleBar(
        {
          format: "Migrating keys |{bar}| {value}/{total} keys | {failedCount} failed | ETA {eta_formatted}",
          hideCursor: true,
          clearOnComplete: false,
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, skipped.size, { failedCount: skipped.size });

  const base = { apiUrl: settings.apiUrl, migrationId: opts.migrationId, apiId: opts.apiId, token, opId };
  // Ctrl-C finishes the batches in flight and ends with the summary; a second Ctrl-C quits at once
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(1);
    interrupted = true;
  };
  process.on("SIGINT", onSigint);
  // `concurrency` workers pull batches from one reader of the file (an async generator queues
  // their next() calls); the first error stops them all once their batch in flight is done
  const source = batches(file, format, batchSize, skipped);
  /** @type {unknown} the first error a worker hit: the others stop at their next batch */
  let fatal;
  const worker = async () => {
    while (!interrupted && !fatal) {
      const { value: batch, done } = await source.next();
      if (done) return;
      try {
        await sendBatch(base, batch, state);
      } catch (err) {
        fatal ??= err;
        return;
      }
      bar?.update(state.migrated.length + state.failed.length + state.rejected.length, {
        failedCount: state.failed.length + state.rejected.length,
      });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    process.off("SIGINT", onSigint);
    await source.return(undefined);
    bar?.stop();
  }
  if (fatal) {
    if (fatal instanceof CliError) {
      fatal.lines = [...fatal.lines, `Stopped after migrating ${state.migrated.length} of ${total} keys.`];
    }
    throw fatal;
  }

  // one reason per failure: the local or server reason, else why the server may have failed it
  const failures = [...state.rejected, ...state.failed.map((hash) => ({ hash, reason: failedReason(algorithm, algorithmSource) }))];
  const failedHashes = failures.map((f) => f.hash);
  if (opts.failedFile) writeFileSync(opts.failedFile, failedHashes.map((h) => h + "\n").join(""));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);

  if (settings.output === "json") {
    print(
      JSON.stringify(
        {
          meta: { requestIds: state.requestIds },
          data: {
            total,
            ...(interrupted ? { interrupted: true, notSent: total - state.migrated.length - failedHashes.length } : {}),
            migrated: state.migrated,
            failed: failedHashes,
            errors: failures.map(({ hash, reason }) => ({ hash, reason })),
          },
        },
        null,
        2,
      ),
    );
  } else {
    const sent = state.migrated.length + failedHashes.length;
    const lines = [`Migrated ${state.migrated.length} of ${total} keys in ${state.requests} request(s), ${seconds}s.`, `Failed: ${failedHashes.length}`];
    if (interrupted) lines.unshift(`Interrupted: ${total - sent} keys were not sent.`);
    for (const f of failures.slice(0, SHOWN_PROBLEMS)) lines.push(`  ${f.hash}  ${f.reason}`);
    if (failedHashes.length > SHOWN_PROBLEMS) lines.push(`  … and ${failedHashes.length - SHOWN_PROBLEMS} more`);
    if (opts.failedFile) lines.push(`Failed hashes written to ${opts.failedFile}`);
    print(lines.join("\n"));
  }
  if (failedHashes.length > 0 || interrupted) process.exitCode = 1;
}

/**
 * Sends one batch. Transient failures (unreachable, 429, 5xx) are retried with backoff; a 400
 * splits the batch in halves until the keys the server rejects are isolated (those are recorded
 * with the server's reason, the rest still go through); any other error stops the run.
 */
async function sendBatch(base, keys, state) {
  const body = { migrationId: base.migrationId, apiId: base.apiId, keys };
  let result;
  for (let attempt = 0; ; attempt++) {
    try {
      result = await callApi({ apiUrl: base.apiUrl, operationId: base.opId, body, token: base.token });
    } catch (err) {
      if (err instanceof CliError && err.transient && attempt < RETRIES) {
        await sleep(500 * 2 ** attempt);
        continue;
      }
      throw err;
    }
    state.requests++;
    if (result.requestId) state.requestIds.push(result.requestId);
    if ((result.status === 429 || result.status >= 500) && attempt < RETRIES) {
      await sleep(500 * 2 ** attempt);
      continue;
    }
    break;
  }
  if (result.status === 200) {
    state.migrated.push(...(result.body?.data?.migrated ?? []));
    state.failed.push(...(result.body?.data?.failed ?? []));
    return;
  }
  if (result.status === 400 || result.status === 413) {
    const fieldErrors = result.body?.error?.errors ?? [];
    // errors only about migrationId/apiId would fail every key alike: stop instead of splitting
    if (fieldErrors.length > 0 && !fieldErrors.some((x) => KEYS_LOCATION.test(x.location ?? ""))) throw apiError(result);
    if (keys.length > 1) {
      const mid = Math.ceil(keys.length / 2);
      await sendBatch(base, keys.slice(0, mid), state);
      await sendBatch(base, keys.slice(mid), state);
      return;
    }
    const e = result.body?.error ?? {};
    const reason = [e.detail, ...(e.errors ?? []).map((x) => `${(x.location ?? "").replace(KEY_PREFIX, "") || "key"}: ${x.message}`)]
      .filter(Boolean)
      .join("; ");
    state.rejected.push({ hash: keys[0].hash, reason: reason || `HTTP ${result.status}` });
    return;
  }
  throw apiError(result);
}
