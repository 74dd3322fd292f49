// How results and errors are printed. Three formats:
//   human (default)  `<requestId> (took <N>ms)`, a blank line, then `data` as indented JSON
//   json             the whole response envelope, indented; stable for scripts
//   table            list results as aligned columns (other results as field/value rows)
// Everything goes to stdout; errors too, as Unkey's CLI does.
import { CliError } from "./errors.js";

export function print(text = "") {
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
}

export function renderSuccess(result, output, op = {}) {
  const { body, requestId, tookMs } = result;
  if (output === "json") return print(JSON.stringify(body, null, 2));
  if (output === "table") return print(renderTableOutput(body, op.table));
  return print(`${requestId ?? "-"} (took ${tookMs}ms)\n\n${JSON.stringify(body?.data ?? null, null, 2)}`);
}

/** Turns a non-2xx API answer into the CliError that main() prints. */
export function apiError(result) {
  const { status, body, requestId } = result;
  const err = body?.error ?? {};
  const detail = err.detail ?? err.title ?? `HTTP ${status}`;
  const lines = [];
  if (status === 401) {
    lines.push(`Authentication failed: ${detail}`);
    lines.push("Check the root key, or run `unkey auth login` to store a new one.");
  } else if (status === 403) {
    lines.push(`Permission denied: ${detail}`);
  } else if (status === 404) {
    lines.push(`Not found: ${detail}`);
  } else if (status === 400) {
    lines.push(detail);
    for (const e of err.errors ?? []) lines.push(`  ${e.location}: ${e.message}${e.fix ? ` (${e.fix})` : ""}`);
  } else {
    lines.push(`${err.title ?? `HTTP ${status}`}: ${detail}`);
  }
  if (requestId) lines.push(`Request ID: ${requestId}`);
  return new CliError(lines[0], {
    lines,
    envelope: body,
    status,
    transient: status === 429 || status >= 500,
  });
}

export function renderError(error, output) {
  if (output === "json") {
    const envelope = error.envelope ?? { error: { title: "CLI error", detail: error.message } };
    return print(JSON.stringify(envelope, null, 2));
  }
  print(error.lines.join("\n"));
}

// ---------------------------------------------------------------------------------- tables

const TIME_FIELDS = /(^|\.)(createdAt|updatedAt|lastUsedAt|deletedAt|expires|time|reset)$/;
const MAX_CELL = 48;

function getPath(obj, p) {
  return p.split(".").reduce((o, k) => (o == null ? undefined : o[k]), obj);
}

function cell(value, column) {
  if (value === undefined || value === null) return "";
  if (typeof value === "number" && TIME_FIELDS.test(column) && value > 1e12) {
    return new Date(value).toISOString().replace(".000Z", "Z");
  }
  let s;
  if (Array.isArray(value) && value.every((v) => typeof v !== "object")) s = value.join(",");
  else if (typeof value === "object") s = JSON.stringify(value);
  else s = String(value);
  s = s.replace(/\s+/g, " ");
  return s.length > MAX_CELL ? s.slice(0, MAX_CELL - 1) + "…" : s;
}

/** Aligned columns with a header row and a dashed rule under it. */
export function formatTable(rows, columns) {
  const header = columns.map((c) => c.label);
  const body = rows.map((r) => columns.map((c) => cell(getPath(r, c.path), c.path)));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

function columnsFor(rows, preferred) {
  if (preferred) {
    // keep the preferred columns that occur in any row, in order; always keep the first (the id)
    const present = preferred.filter((p, i) => i === 0 || rows.some((r) => getPath(r, p) !== undefined));
    return present.map((p) => ({ path: p, label: p }));
  }
  const seen = [];
  for (const r of rows) for (const k of Object.keys(r ?? {})) if (!seen.includes(k)) seen.push(k);
  return seen.map((k) => ({ path: k, label: k }));
}

export function renderTableOutput(body, spec = {}) {
  let data = body?.data;
  if (spec.rows && data && !Array.isArray(data)) data = getPath(data, spec.rows);
  const out = [];
  if (Array.isArray(data)) {
    const rows = data.map((r) => (r !== null && typeof r === "object" ? r : { value: r }));
    if (rows.length === 0) out.push("(no results)");
    else out.push(formatTable(rows, columnsFor(rows, spec.columns)));
    const p = body?.pagination;
    out.push("");
    out.push(`${rows.length} ${rows.length === 1 ? "row" : "rows"}${p?.hasMore && p.cursor ? `; more with --cursor ${p.cursor}` : ""}`);
  } else if (data !== null && typeof data === "object") {
    const rows = Object.entries(data).map(([field, value]) => ({ field, value }));
    out.push(
      rows.length === 0
        ? "(empty)"
        : formatTable(rows, [
            { path: "field", label: "FIELD" },
            { path: "value", label: "VALUE" },
          ]),
    );
  } else {
    out.push(JSON.stringify(data));
  }
  return out.join("\n");
}
