// Reading the key files of `unkey api keys migrate-keys --file`. One key per line:
//
//   JSON lines (.jsonl, .ndjson): each line is a JSON object with at least "hash", plus any
//     optional field of a migrated key (name, externalId, meta, roles, permissions, expires,
//     enabled, credits, ratelimits). A line holding just a JSON string is a bare hash.
//   CSV (.csv): the first line is a header naming the columns; `hash` is required, the others are
//     the optional fields above. meta, credits and ratelimits cells hold JSON (quote the cell and
//     double its quotes, as CSV does); roles and permissions cells list names separated by `|`;
//     enabled is true/false; expires is Unix ms. Empty cells are left out. A file with no header
//     row is accepted when every line holds only a hash.
//
// In both formats blank lines and lines starting with `#` are skipped, and no value may contain
// a line break.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

export const CSV_COLUMNS = {
  hash: "string",
  name: "string",
  externalid: "string",
  external_id: "string",
  meta: "json",
  roles: "list",
  permissions: "list",
  expires: "int",
  enabled: "bool",
  credits: "json",
  ratelimits: "json",
};
const FIELD_OF = { externalid: "externalId", external_id: "externalId" };

/** Picks the format from --format or the file's extension. */
export function detectFormat(file, format) {
  if (format) return format;
  const lower = file.toLowerCase();
  if (lower.endsWith(".csv")) return "csv";
  if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson")) return "jsonl";
  return undefined;
}

/** Splits one CSV line (RFC 4180 quoting, no embedded line breaks). */
export function splitCsvLine(line) {
  const cells = [];
  let i = 0;
  for (;;) {
    let cell = "";
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) throw new Error("unterminated quoted cell");
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        cell += line[i++];
      }
      if (i < line.length && line[i] !== ",") throw new Error(`unexpected character after a quoted cell at column ${i + 1}`);
    } else {
      const end = line.indexOf(",", i);
      cell = end === -1 ? line.slice(i) : line.slice(i, end);
      if (cell.includes('"')) throw new Error("a cell containing quotes must be quoted as a whole");
      i = end === -1 ? line.length : end;
    }
    cells.push(cell);
    if (i >= line.length) return cells;
    i++; // the comma
  }
}

function csvValue(kind, column, raw) {
  switch (kind) {
    case "string":
      return raw;
    case "int":
      if (!/^\d+$/.test(raw.trim())) throw new Error(`${column}: "${raw}" is not an integer`);
      return Number(raw.trim());
    case "bool": {
      const v = raw.trim().toLowerCase();
      if (v === "true" || v === "1") return true;
      if (v === "false" || v === "0") return false;
      throw new Error(`${column}: "${raw}" is not true or false`);
    }
    case "list":
      return raw
        .split("|")
        .map((s) => s.trim())
        .filter(Boolean);
    case "json":
      try {
        return JSON.parse(raw);
      } catch (/** @type {any} */ err) {
        throw new Error(`${column}: invalid JSON (${err.message})`);
      }
  }
}

function checkKey(key) {
  if (key === null || typeof key !== "object" || Array.isArray(key)) throw new Error("expected a JSON object with a hash");
  if (typeof key.hash !== "string" || key.hash.trim().length < 3) throw new Error('"hash" is missing or shorter than 3 characters');
  return key;
}

/**
 * Yields `{ line, key }` for every key of the file and `{ line, error }` for every line that
 * cannot be read, in file order. Streams, so files of any size work.
 */
export async function* readKeyFile(file, format) {
  const rl = createInterface({ input: createReadStream(file, { encoding: "utf8" }), crlfDelay: Infinity });
  let lineNo = 0;
  let columns; // CSV: column names from the header, or ["hash"] for a header-less file
  for await (let text of rl) {
    lineNo++;
    if (lineNo === 1) text = text.replace(/^\uFEFF/, "");
    const trimmed = text.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    try {
      if (format === "jsonl") {
        let value;
        try {
          value = JSON.parse(trimmed);
        } catch (/** @type {any} */ err) {
          throw new Error(`invalid JSON (${err.message})`);
        }
        yield { line: lineNo, key: checkKey(typeof value === "string" ? { hash: value } : value) };
        continue;
      }
      const cells = splitCsvLine(text);
      if (!columns) {
        const names = cells.map((c) => c.trim().toLowerCase());
        if (names.includes("hash")) {
          const unknown = names.filter((n) => !(n in CSV_COLUMNS));
          if (unknown.length)
            throw new Error(
              `unknown column(s) ${unknown.join(", ")}; known: hash, name, externalId, meta, roles, permissions, expires, enabled, credits, ratelimits`,
            );
          columns = names;
          continue;
        }
        if (cells.length !== 1) throw new Error("the first line must be a header row naming the columns (hash,name,...)");
        columns = ["hash"];
      }
      if (cells.length > columns.length) throw new Error(`${cells.length} cells but the header names ${columns.length} columns`);
      const key = {};
      columns.forEach((col, i) => {
        const raw = cells[i];
        if (raw === undefined || raw.trim() === "") return;
        key[FIELD_OF[col] ?? col] = csvValue(CSV_COLUMNS[col], col, col === "hash" ? raw.trim() : raw);
      });
      yield { line: lineNo, key: checkKey(key) };
    } catch (/** @type {any} */ err) {
      yield { line: lineNo, error: err.message };
    }
  }
}
