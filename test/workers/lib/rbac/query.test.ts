import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ApiError } from "../../../../workers/lib/errors";
import { evaluatePermissionQuery, parsePermissionQuery, type PermissionQuery } from "../../../../workers/lib/rbac/query";

const SYNTAX = "user/bad_request/permissions_query_syntax_error";

function syntaxErrorOf(query: string): ApiError {
  try {
    parsePermissionQuery(query);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw new Error(`non-ApiError thrown for ${JSON.stringify(query)}: ${String(e)}`);
  }
  throw new Error(`query ${JSON.stringify(query)} was accepted`);
}

const evaluate = (query: string, perms: Iterable<string>) => evaluatePermissionQuery(parsePermissionQuery(query), new Set(perms));

// ---------------------------------------------------------------------------------------------
// An independent reference implementation: regex tokenizer, LL(1) recogniser, shunting-yard
// evaluation. It shares no code with the parser under test.
// ---------------------------------------------------------------------------------------------
type RefToken = { kind: "perm" | "and" | "or" | "(" | ")"; text: string };

function refTokenize(q: string): RefToken[] | null {
  const out: RefToken[] = [];
  const re = /[ \t\r\n]+|\(|\)|[\p{L}\p{Nd}._\-:*/]+|[\s\S]/uy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < q.length && (m = re.exec(q))) {
    const t = m[0];
    if (/^[ \t\r\n]+$/.test(t)) continue;
    if (t === "(" || t === ")") out.push({ kind: t, text: t });
    else if (/^[\p{L}\p{Nd}._\-:*/]+$/u.test(t)) {
      const low = t.toLowerCase();
      out.push({ kind: low === "and" ? "and" : low === "or" ? "or" : "perm", text: t });
    } else return null;
  }
  return out;
}

function refAccepts(q: string): boolean {
  const tokens = refTokenize(q);
  if (!tokens || tokens.length === 0) return false;
  let expectOperand = true;
  let depth = 0;
  let prev: RefToken | undefined;
  for (const t of tokens) {
    if (expectOperand) {
      if (t.kind === "perm") expectOperand = false;
      else if (t.kind === "(") depth++;
      else return false;
    } else {
      if (t.kind === "and" || t.kind === "or") expectOperand = true;
      else if (t.kind === ")" && depth > 0) depth--;
      else return false;
    }
    if (prev?.kind === "(" && t.kind === ")") return false;
    prev = t;
  }
  return !expectOperand && depth === 0;
}

function refEvaluate(q: string, perms: ReadonlySet<string>): boolean {
  const prec = { or: 1, and: 2 } as const;
  const output: (boolean | "and" | "or")[] = [];
  const ops: ("and" | "or" | "(")[] = [];
  for (const t of refTokenize(q)!) {
    if (t.kind === "perm") output.push(perms.has(t.text));
    else if (t.kind === "(") ops.push("(");
    else if (t.kind === ")") {
      while (ops[ops.length - 1] !== "(") output.push(ops.pop() as "and" | "or");
      ops.pop();
    } else {
      while (ops.length && ops[ops.length - 1] !== "(" && prec[ops[ops.length - 1] as "and" | "or"] >= prec[t.kind]) output.push(ops.pop() as "and" | "or");
      ops.push(t.kind);
    }
  }
  while (ops.length) output.push(ops.pop() as "and" | "or");
  const stack: boolean[] = [];
  for (const x of output) {
    if (typeof x === "boolean") stack.push(x);
    else {
      const b = stack.pop()!;
      const a = stack.pop()!;
      stack.push(x === "and" ? a && b : a || b);
    }
  }
  return stack[0]!;
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------
const POOL = ["documents.read", "documents.write", "system:admin:*", "api_v2-test:read", "/api/v1/users", "android", "ORACLE"];

const permissionName = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...POOL) },
  {
    weight: 1,
    arbitrary: fc
      .string({ unit: fc.constantFrom(..."abcXYZ019._-:*/".split("")), minLength: 1, maxLength: 12 })
      .filter((s) => !["and", "or"].includes(s.toLowerCase())),
  },
);

const ast: fc.Arbitrary<PermissionQuery> = fc.letrec<{ node: PermissionQuery }>((tie) => ({
  node: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    permissionName.map((name): PermissionQuery => ({ type: "permission", name })),
    fc.record({ type: fc.constantFrom("and" as const, "or" as const), left: tie("node"), right: tie("node") }),
  ),
})).node;

const space = fc.constantFrom(" ", "  ", "\t", "\n", "\r\n", " \t ");
const optSpace = fc.oneof(fc.constant(""), space);
const operatorSpelling = (op: "and" | "or") =>
  fc.array(fc.boolean(), { minLength: op.length, maxLength: op.length }).map((upper) => [...op].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join(""));

const PREC = { or: 1, and: 2, permission: 3 } as const;

/** Prints an AST with random spacing, operator case and redundant parentheses; parses back to the same tree. */
function printer(): fc.Arbitrary<(q: PermissionQuery) => string> {
  return fc
    .record({
      spaces: fc.infiniteStream(space),
      optSpaces: fc.infiniteStream(optSpace),
      extraParens: fc.infiniteStream(fc.integer({ min: 0, max: 9 })),
      ands: fc.infiniteStream(operatorSpelling("and")),
      ors: fc.infiniteStream(operatorSpelling("or")),
    })
    .map(({ spaces, optSpaces, extraParens, ands, ors }) => {
      const next = <T>(s: fc.Stream<T>) => s.next().value as T;
      const wrap = (s: string) => `(${next(optSpaces)}${s}${next(optSpaces)})`;
      const print = (q: PermissionQuery): string => {
        let s: string;
        if (q.type === "permission") s = q.name;
        else {
          const l = print(q.left);
          const r = print(q.right);
          const left = PREC[q.left.type] < PREC[q.type] ? wrap(l) : l;
          const right = PREC[q.right.type] <= PREC[q.type] ? wrap(r) : r;
          const op = q.type === "and" ? next(ands) : next(ors);
          s = `${left}${next(spaces)}${op}${next(spaces)}${right}`;
        }
        return next(extraParens) < 2 ? wrap(s) : s;
      };
      return (q: PermissionQuery) => `${next(optSpaces)}${print(q)}${next(optSpaces)}`;
    });
}

const permissionSet = fc.subarray(POOL).map((a) => new Set(a));

function directEvaluate(q: PermissionQuery, perms: ReadonlySet<string>): boolean {
  if (q.type === "permission") return perms.has(q.name);
  const l = directEvaluate(q.left, perms);
  const r = directEvaluate(q.right, perms);
  return q.type === "and" ? l && r : l || r;
}

// ---------------------------------------------------------------------------------------------

describe("the digest's worked examples", () => {
  const held = ["documents.read", "documents.write", "system:admin:*", "api_v2-test:read"];
  const cases: [string, PermissionQuery, boolean][] = [
    ["documents.read", { type: "permission", name: "documents.read" }, true],
    [
      "documents.read AND documents.write",
      { type: "and", left: { type: "permission", name: "documents.read" }, right: { type: "permission", name: "documents.write" } },
      true,
    ],
    [
      "admin OR (documents.read AND documents.write)",
      {
        type: "or",
        left: { type: "permission", name: "admin" },
        right: { type: "and", left: { type: "permission", name: "documents.read" }, right: { type: "permission", name: "documents.write" } },
      },
      true,
    ],
    [
      "documents.delete OR documents.read AND admin",
      {
        type: "or",
        left: { type: "permission", name: "documents.delete" },
        right: { type: "and", left: { type: "permission", name: "documents.read" }, right: { type: "permission", name: "admin" } },
      },
      false,
    ],
    [
      "(documents.delete OR documents.read) AND documents.write",
      {
        type: "and",
        left: { type: "or", left: { type: "permission", name: "documents.delete" }, right: { type: "permission", name: "documents.read" } },
        right: { type: "permission", name: "documents.write" },
      },
      true,
    ],
    [
      "system:admin:* AND api_v2-test:read",
      { type: "and", left: { type: "permission", name: "system:admin:*" }, right: { type: "permission", name: "api_v2-test:read" } },
      true,
    ],
    ["documents.*", { type: "permission", name: "documents.*" }, false],
    [
      "/api/v1/users OR documents.read",
      { type: "or", left: { type: "permission", name: "/api/v1/users" }, right: { type: "permission", name: "documents.read" } },
      true,
    ],
  ];
  for (const [query, tree, result] of cases) {
    it(`parses ${JSON.stringify(query)} and evaluates it to ${result}`, () => {
      expect(parsePermissionQuery(query)).toEqual(tree);
      expect(evaluate(query, held)).toBe(result);
    });
  }

  it("handles a 25-term query of alternatives joined by AND", () => {
    const letters = "abcdefghijklmnopqrstuvwxy".split("");
    const groups = [letters.slice(0, 2), letters.slice(2, 5), ...Array.from({ length: 6 }, (_, i) => letters.slice(5 + i * 3, 8 + i * 3)), letters.slice(23)];
    expect(groups.flat()).toHaveLength(25);
    const query = groups.map((g) => `(${g.join(" OR ")})`).join(" AND ");
    const oneOfEach = groups.map((g) => g[g.length - 1]!);
    expect(evaluate(query, oneOfEach)).toBe(true);
    expect(evaluate(query, oneOfEach.slice(1))).toBe(false);
  });
});

describe("the syntax errors of the contract", () => {
  const cases: [string, string][] = [
    ["permission_1 AND", "Unexpected end of query. Expected a permission identifier or opening parenthesis."],
    ["(permission_1 AND permission_2", "Missing closing parenthesis ')' at position 30. Every opening parenthesis must have a matching closing parenthesis."],
    ["permission_1 AND ()", "Empty parentheses found at position 18. Parentheses must contain at least one permission or expression."],
    ["AND permission_1", "Unexpected token 'AND' at position 0. Expected a permission identifier or opening parenthesis."],
    ["a b", "Unexpected token 'b' at position 2. The query appears to have extra content after a valid expression."],
    ["a AND b)", "Unexpected token ')' at position 7. The query appears to have extra content after a valid expression."],
    ["   ", "Unexpected end of input. Please provide a valid permission query."],
    ["", "Unexpected end of input. Please provide a valid permission query."],
    [
      "a & b",
      "Invalid character '&' found in query at position 2. Only letters, numbers, dots, underscores, hyphens, slashes, colons, asterisks, and parentheses are allowed.",
    ],
  ];
  for (const [query, detail] of cases) {
    it(`rejects ${JSON.stringify(query)} with a message pointing at the problem`, () => {
      const e = syntaxErrorOf(query);
      expect(e.code).toBe(SYNTAX);
      expect(e.status).toBe(400);
      expect(e.title).toBe("Bad Request");
      expect(e.detail).toBe(detail);
    });
  }

  it("reports a missing closing parenthesis where other content stands instead", () => {
    expect(syntaxErrorOf("(a OR b c)").detail).toBe(
      "Missing closing parenthesis ')' at position 8. Every opening parenthesis must have a matching closing parenthesis.",
    );
  });

  it("reports an invalid character inside parentheses rather than a missing parenthesis", () => {
    expect(syntaxErrorOf("(a | b)").detail).toMatch(/^Invalid character '\|' found in query at position 3\./);
  });

  it("counts positions in UTF-8 bytes", () => {
    // "é" is two bytes, so "b" starts at byte 3
    expect(syntaxErrorOf("é b").detail).toContain("'b' at position 3");
  });

  it("rejects whitespace other than space, tab, CR and LF", () => {
    expect(syntaxErrorOf("a\u00a0AND b").detail).toContain("Invalid character '\u00a0' found in query at position 1.");
  });

  it("copes with nesting as deep as the length limit allows", () => {
    const deep = "(".repeat(499) + "a" + ")".repeat(499);
    expect(evaluate(deep, ["a"])).toBe(true);
    expect(syntaxErrorOf("(".repeat(1000)).detail).toBe("Unexpected end of query. Expected a permission identifier or opening parenthesis.");
    const chain = Array.from({ length: 166 }, () => "a").join(" AND ");
    expect(chain.length).toBeLessThanOrEqual(1000);
    expect(evaluate(chain, ["a"])).toBe(true);
  });

  it("rejects queries longer than 1000 characters", () => {
    const long = Array.from({ length: 200 }, () => "abcd").join(" OR ");
    expect(long.length).toBeGreaterThan(1000);
    expect(syntaxErrorOf(long).code).toBe(SYNTAX);
    const fits = "a".repeat(1000);
    expect(() => parsePermissionQuery(fits)).not.toThrow();
  });
});

describe("lexing", () => {
  it("treats AND and OR case-insensitively", () => {
    for (const q of ["a and b", "a AND b", "a aNd b"]) expect(parsePermissionQuery(q).type).toBe("and");
    for (const q of ["a or b", "a OR b", "a oR b"]) expect(parsePermissionQuery(q).type).toBe("or");
  });

  it("reads words that merely start with and/or as permissions", () => {
    for (const name of ["android.read", "ORACLE", "order:create", "and_more", "or-else", "ANDROID"]) {
      expect(parsePermissionQuery(name)).toEqual({ type: "permission", name });
    }
  });

  it("needs no spaces around parentheses", () => {
    expect(evaluate("(a)AND(b)", ["a", "b"])).toBe(true);
    expect(evaluate("((a OR b))AND c", ["b"])).toBe(false);
  });

  it("ignores tabs and newlines between tokens", () => {
    expect(evaluate("a\tAND\r\nb\n", ["a", "b"])).toBe(true);
  });

  it("accepts letters outside ASCII", () => {
    expect(evaluate("ñandú.leer", ["ñandú.leer"])).toBe(true);
  });
});

describe("evaluation", () => {
  it("matches exactly and case-sensitively, with no wildcard expansion", () => {
    expect(evaluate("documents.read", ["documents.*"])).toBe(false);
    expect(evaluate("documents.*", ["documents.*"])).toBe(true);
    expect(evaluate("Documents.Read", ["documents.read"])).toBe(false);
    expect(evaluate("documents", ["documents.read"])).toBe(false);
  });

  it("gives AND precedence over OR and associates to the left", () => {
    expect(parsePermissionQuery("a OR b AND c OR d")).toEqual({
      type: "or",
      left: {
        type: "or",
        left: { type: "permission", name: "a" },
        right: { type: "and", left: { type: "permission", name: "b" }, right: { type: "permission", name: "c" } },
      },
      right: { type: "permission", name: "d" },
    });
  });

  it("is false for every leaf when the key holds nothing", () => {
    expect(evaluate("a OR b", [])).toBe(false);
  });
});

describe("property: well-formed queries", () => {
  it("parse back to the tree they were printed from, whatever the spacing, case and redundant parentheses", () => {
    fc.assert(
      fc.property(ast, printer(), (tree, print) => {
        const text = print(tree);
        fc.pre(text.length <= 1000);
        expect(parsePermissionQuery(text)).toEqual(tree);
      }),
      { numRuns: 300 },
    );
  });

  it("evaluate like the reference evaluator", () => {
    fc.assert(
      fc.property(ast, printer(), permissionSet, (tree, print, perms) => {
        const text = print(tree);
        fc.pre(text.length <= 1000);
        expect(refAccepts(text)).toBe(true);
        const got = evaluatePermissionQuery(parsePermissionQuery(text), perms);
        expect(got).toBe(refEvaluate(text, perms));
        expect(got).toBe(directEvaluate(tree, perms));
      }),
      { numRuns: 300 },
    );
  });
});

describe("property: malformed queries", () => {
  const wellFormed = fc
    .tuple(ast, printer())
    .map(([t, p]) => p(t))
    .filter((s) => s.length <= 900);

  const expectSyntaxError = (query: string) => {
    const e = syntaxErrorOf(query);
    expect(e.code).toBe(SYNTAX);
    expect(e.status).toBe(400);
    expect(e.detail.length).toBeGreaterThan(0);
    const pos = /at position (\d+)/.exec(e.detail);
    if (pos) expect(Number(pos[1])).toBeLessThanOrEqual(new TextEncoder().encode(query).length);
  };

  it("are rejected when an invalid character is inserted anywhere", () => {
    const bad = fc.constantFrom(..."&|!\"',@=#$%^+~;<>?[]{}\\`".split(""), "\u00a0", "\v", "🙂");
    fc.assert(
      fc.property(wellFormed, bad, fc.nat(), (q, ch, at) => {
        const i = at % (q.length + 1);
        expectSyntaxError(q.slice(0, i) + ch + q.slice(i));
      }),
      { numRuns: 300 },
    );
  });

  it("are rejected when one permission is removed", () => {
    fc.assert(
      fc.property(wellFormed, fc.nat(), (q, n) => {
        const leaves = [...q.matchAll(/[\p{L}\p{Nd}._\-:*/]+/gu)].filter((m) => !/^(and|or)$/i.test(m[0]));
        const m = leaves[n % leaves.length]!;
        expectSyntaxError(q.slice(0, m.index) + " " + q.slice(m.index! + m[0].length));
      }),
      { numRuns: 300 },
    );
  });

  it("are rejected when one parenthesis is removed", () => {
    fc.assert(
      fc.property(
        wellFormed.filter((q) => q.includes("(")),
        fc.nat(),
        (q, n) => {
          const parens = [...q.matchAll(/[()]/g)];
          const m = parens[n % parens.length]!;
          expectSyntaxError(q.slice(0, m.index) + " " + q.slice(m.index! + 1));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("are rejected when two queries stand side by side or an operator dangles", () => {
    fc.assert(
      fc.property(wellFormed, wellFormed, fc.constantFrom("and", "OR"), (a, b, op) => {
        expectSyntaxError(`${a} ${b}`);
        expectSyntaxError(`${a} ${op}`);
        expectSyntaxError(`${op} ${a}`);
        expectSyntaxError(`(${a}) ()`);
      }),
      { numRuns: 200 },
    );
  });

  it("arbitrary token soup is accepted exactly when the reference recogniser accepts it, and rejected only with the syntax error", () => {
    const fragment = fc.constantFrom("a", "b.c", "x:*", "AND", "or", "(", ")", " ", " ", "\t", "&", "é", "()");
    fc.assert(
      fc.property(fc.array(fragment, { maxLength: 20 }), (parts) => {
        const q = parts.join("");
        let accepted = true;
        try {
          parsePermissionQuery(q);
        } catch (e) {
          expect(e).toBeInstanceOf(ApiError);
          expect((e as ApiError).code).toBe(SYNTAX);
          accepted = false;
        }
        expect(accepted).toBe(refAccepts(q));
      }),
      { numRuns: 1000 },
    );
  });

  it("any string at all either parses or fails with the syntax error, never anything else", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 60 }), (q) => {
        try {
          parsePermissionQuery(q);
          expect(refAccepts(q)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(ApiError);
          expect((e as ApiError).code).toBe(SYNTAX);
          expect(refAccepts(q)).toBe(false);
        }
      }),
      { numRuns: 500 },
    );
  });
});
