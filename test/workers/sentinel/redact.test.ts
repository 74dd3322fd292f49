import { describe, expect, it } from "vitest";
import { headerLines, REDACTED, redactedQuery } from "../../../workers/sentinel/redact";

describe("request log redaction", () => {
  it("redacts Authorization and the key-carrying headers, keeps the others", () => {
    const h = new Headers({ Authorization: "Bearer sk_1", "X-Api-Key": "sk_2", Accept: "text/plain" });
    expect(headerLines(h, new Set(["x-api-key"])).sort()).toEqual([`accept: text/plain`, `authorization: ${REDACTED}`, `x-api-key: ${REDACTED}`]);
  });

  it("redacts key-carrying query parameters in both the string and the params", () => {
    const q = redactedQuery(new URL("https://app.test/p?key=sk_1&page=2&key=sk_2"), new Set(["key"]));
    expect(q.params).toEqual({ key: [REDACTED, REDACTED], page: ["2"] });
    expect(q.queryString).not.toContain("sk_");
    expect(new URLSearchParams(q.queryString).getAll("key")).toEqual([REDACTED, REDACTED]);
  });
});
