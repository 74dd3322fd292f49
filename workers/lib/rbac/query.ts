import { ApiError } from "../errors";

/**
 * The permission query language of keys.verifyKey (ratelimit-identities-rbac §5).
 *
 *   query    := expr EOF
 *   expr     := andExpr ( OR andExpr )*      lowest precedence, left-associative
 *   andExpr  := primary ( AND primary )*     binds tighter than OR, left-associative
 *   primary  := PERMISSION | "(" expr ")"
 *
 * A PERMISSION is a run of letters, digits and `. _ - : * /`; `and` / `or` in any letter case
 * are operators only when they make up a whole word (`android.read` is a permission). Spaces,
 * tabs, CR and LF separate tokens. Anything else is an invalid character. `*` has no wildcard
 * meaning: leaves are matched by exact, case-sensitive string equality.
 *
 * Errors are ApiError("user/bad_request/permissions_query_syntax_error") whose detail names the
 * 0-based UTF-8 byte offset of the offending token (the input length for the end of input).
 */
export type PermissionQuery = { type: "permission"; name: string } | { type: "and" | "or"; left: PermissionQuery; right: PermissionQuery };

/** Longest query accepted (the verifyKey schema enforces the same bound). */
export const MAX_QUERY_LENGTH = 1000;

type TokenType = "permission" | "and" | "or" | "lparen" | "rparen" | "eof" | "invalid";

interface Token {
  type: TokenType;
  /** The token's text as written (for `invalid`, the offending character). */
  text: string;
  /** UTF-8 byte offset of the token's first character. */
  pos: number;
}

const WHITESPACE = new Set([" ", "\t", "\r", "\n"]);
const PUNCTUATION = new Set([".", "_", "-", ":", "*", "/"]);
const LETTER_OR_DIGIT = /^[\p{L}\p{Nd}]$/u;

function isPermissionChar(ch: string): boolean {
  return PUNCTUATION.has(ch) || LETTER_OR_DIGIT.test(ch);
}

function utf8Length(ch: string): number {
  const cp = ch.codePointAt(0)!;
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/**
 * Splits the input into tokens. An invalid character becomes an `invalid` token and ends the
 * stream, so the parser reports whichever problem it meets first, reading left to right.
 */
function tokenize(input: string): Token[] {
  const chars = Array.from(input); // by code point
  const tokens: Token[] = [];
  let byte = 0;
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i]!;
    if (WHITESPACE.has(ch)) {
      byte += 1;
      i++;
      continue;
    }
    if (ch === "(" || ch === ")") {
      tokens.push({ type: ch === "(" ? "lparen" : "rparen", text: ch, pos: byte });
      byte += 1;
      i++;
      continue;
    }
    if (isPermissionChar(ch)) {
      const start = byte;
      let text = "";
      while (i < chars.length && isPermissionChar(chars[i]!)) {
        text += chars[i]!;
        byte += utf8Length(chars[i]!);
        i++;
      }
      const word = text.toLowerCase();
      const type: TokenType = word === "and" ? "and" : word === "or" ? "or" : "permission";
      tokens.push({ type, text, pos: start });
      continue;
    }
    tokens.push({ type: "invalid", text: ch, pos: byte });
    return tokens;
  }
  tokens.push({ type: "eof", text: "", pos: byte });
  return tokens;
}

function syntaxError(detail: string): ApiError {
  return new ApiError("user/bad_request/permissions_query_syntax_error", detail);
}

function invalidCharacter(t: Token): ApiError {
  return syntaxError(
    `Invalid character '${t.text}' found in query at position ${t.pos}. Only letters, numbers, dots, underscores, hyphens, slashes, colons, asterisks, and parentheses are allowed.`,
  );
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private get current(): Token {
    return this.tokens[this.i]!;
  }

  private advance(): void {
    if (this.i < this.tokens.length - 1) this.i++;
  }

  parseQuery(): PermissionQuery {
    if (this.current.type === "eof") {
      throw syntaxError("Unexpected end of input. Please provide a valid permission query.");
    }
    const expr = this.parseOr();
    const t = this.current;
    if (t.type === "invalid") throw invalidCharacter(t);
    if (t.type !== "eof") {
      throw syntaxError(`Unexpected token '${t.text}' at position ${t.pos}. The query appears to have extra content after a valid expression.`);
    }
    return expr;
  }

  private parseOr(): PermissionQuery {
    let left = this.parseAnd();
    while (this.current.type === "or") {
      this.advance();
      left = { type: "or", left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): PermissionQuery {
    let left = this.parsePrimary();
    while (this.current.type === "and") {
      this.advance();
      left = { type: "and", left, right: this.parsePrimary() };
    }
    return left;
  }

  private parsePrimary(): PermissionQuery {
    const t = this.current;
    switch (t.type) {
      case "permission":
        this.advance();
        return { type: "permission", name: t.text };
      case "lparen": {
        this.advance();
        if (this.current.type === "rparen") {
          throw syntaxError(`Empty parentheses found at position ${this.current.pos}. Parentheses must contain at least one permission or expression.`);
        }
        const inner = this.parseOr();
        const close = this.current;
        if (close.type === "invalid") throw invalidCharacter(close);
        if (close.type !== "rparen") {
          throw syntaxError(`Missing closing parenthesis ')' at position ${close.pos}. Every opening parenthesis must have a matching closing parenthesis.`);
        }
        this.advance();
        return inner;
      }
      case "eof":
        throw syntaxError("Unexpected end of query. Expected a permission identifier or opening parenthesis.");
      case "invalid":
        throw invalidCharacter(t);
      default:
        throw syntaxError(`Unexpected token '${t.text}' at position ${t.pos}. Expected a permission identifier or opening parenthesis.`);
    }
  }
}

/** Parses a query; throws ApiError("user/bad_request/permissions_query_syntax_error") with the position. */
export function parsePermissionQuery(query: string): PermissionQuery {
  if (query.length > MAX_QUERY_LENGTH) {
    throw syntaxError(`The query is ${query.length} characters long; permission queries may be at most ${MAX_QUERY_LENGTH} characters.`);
  }
  return new Parser(tokenize(query)).parseQuery();
}

/** Evaluates against the key's permission slugs (direct ∪ from roles); exact string match. */
export function evaluatePermissionQuery(q: PermissionQuery, permissions: ReadonlySet<string>): boolean {
  switch (q.type) {
    case "permission":
      return permissions.has(q.name);
    case "and":
      return evaluatePermissionQuery(q.left, permissions) && evaluatePermissionQuery(q.right, permissions);
    case "or":
      return evaluatePermissionQuery(q.left, permissions) || evaluatePermissionQuery(q.right, permissions);
  }
}

/** Every permission named in the query (handy for diagnostics and tests). */
export function permissionsOf(q: PermissionQuery, into: Set<string> = new Set()): Set<string> {
  if (q.type === "permission") into.add(q.name);
  else {
    permissionsOf(q.left, into);
    permissionsOf(q.right, into);
  }
  return into;
}
