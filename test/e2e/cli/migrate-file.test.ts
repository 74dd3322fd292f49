// Reading migrate-keys files (no server): CSV quoting, columns, JSON lines, bad lines.
import { writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM module of the CLI
import { detectFormat, readKeyFile, splitCsvLine } from "../../../cli/src/migrateFile.js";
import { tempHome } from "./run";

const dir = tempHome();
async function read(name: string, text: string, format?: string) {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const out: any[] = [];
  for await (const item of readKeyFile(file, format ?? detectFormat(file))) out.push(item);
  return out;
}

describe("CSV cells", () => {
  it("splits plain and quoted cells, with doubled quotes and commas inside quotes", () => {
    expect(splitCsvLine("a,b,,c")).toEqual(["a", "b", "", "c"]);
    expect(splitCsvLine('h,"{""a"":1,""b"":2}",x')).toEqual(["h", '{"a":1,"b":2}', "x"]);
    expect(splitCsvLine('"",x')).toEqual(["", "x"]);
    expect(splitCsvLine("trailing,")).toEqual(["trailing", ""]);
  });

  it("rejects an unterminated quote and stray quotes", () => {
    expect(() => splitCsvLine('a,"open')).toThrow(/unterminated/);
    expect(() => splitCsvLine('a,b"c')).toThrow(/quoted/);
    expect(() => splitCsvLine('"a"b')).toThrow(/after a quoted cell/);
  });
});

describe("key files", () => {
  it("picks the format from the extension", () => {
    expect(detectFormat("keys.CSV")).toBe("csv");
    expect(detectFormat("keys.jsonl")).toBe("jsonl");
    expect(detectFormat("keys.ndjson")).toBe("jsonl");
    expect(detectFormat("keys.txt")).toBeUndefined();
    expect(detectFormat("keys.txt", "csv")).toBe("csv");
  });

  it("maps CSV columns to key fields in any order and leaves empty cells out", async () => {
    const items = await read(
      "a.csv",
      "\uFEFFname,HASH,external_id,roles,permissions,meta,enabled,expires,credits\r\n" +
        'one,hash-1,user_1,admin|reader,a.read| b.write,"{""x"":1}",false,1893456000000,"{""remaining"":5}"\r\n' +
        "# a comment\r\n\r\n" +
        ",hash-2,,,,,,,\r\n",
    );
    expect(items).toEqual([
      {
        line: 2,
        key: {
          name: "one",
          hash: "hash-1",
          externalId: "user_1",
          roles: ["admin", "reader"],
          permissions: ["a.read", "b.write"],
          meta: { x: 1 },
          enabled: false,
          expires: 1893456000000,
          credits: { remaining: 5 },
        },
      },
      { line: 5, key: { hash: "hash-2" } },
    ]);
  });

  it("accepts a header-less CSV of bare hashes", async () => {
    expect(await read("bare.csv", "h1xx\nh2xx\n")).toEqual([
      { line: 1, key: { hash: "h1xx" } },
      { line: 2, key: { hash: "h2xx" } },
    ]);
  });

  it("reports bad CSV lines with their number and reason", async () => {
    const items = await read("bad.csv", 'hash,enabled,meta\nh1xx,maybe,\nh2xx,true,"{oops"\nh3xx,true,,extra\n,true,\n');
    expect(items.map((i) => [i.line, i.error])).toEqual([
      [2, 'enabled: "maybe" is not true or false'],
      [3, expect.stringMatching(/^meta: invalid JSON/)],
      [4, "4 cells but the header names 3 columns"],
      [5, '"hash" is missing or shorter than 3 characters'],
    ]);
  });

  it("rejects unknown CSV columns and a multi-column file without a header", async () => {
    expect((await read("cols.csv", "hash,colour\nh1xx,red\n"))[0].error).toMatch(/unknown column\(s\) colour/);
    expect((await read("nohdr.csv", "h1xx,name\n"))[0].error).toMatch(/header row/);
  });

  it("reads JSON lines: objects, bare string hashes, and reports bad lines", async () => {
    const items = await read("k.jsonl", '{"hash":"abc","name":"n"}\n"def"\n[1]\n{"hash":1}\nnot json\n');
    expect(items[0]).toEqual({ line: 1, key: { hash: "abc", name: "n" } });
    expect(items[1]).toEqual({ line: 2, key: { hash: "def" } });
    expect(items.slice(2).map((i) => i.line)).toEqual([3, 4, 5]);
    expect(items[4].error).toMatch(/^invalid JSON/);
  });
});
