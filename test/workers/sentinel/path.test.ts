import { describe, expect, it } from "vitest";
import { forwardedUrl, normalisePath } from "../../../workers/sentinel/path";
import { Rejection } from "../../../workers/sentinel/errors";

/** The path as workerd hands it to us: WHATWG-parsed, so `..`/`%2e` segments of the raw line are resolved once already. */
const parsed = (raw: string) => new URL(raw, "http://h.localhost").pathname;

describe("normalisePath", () => {
  it("collapses repeated slashes and resolves dot segments, encoded ones included", () => {
    expect(normalisePath("//admin")).toBe("/admin");
    expect(normalisePath("///admin//users/")).toBe("/admin/users/");
    expect(normalisePath("/x/../admin")).toBe("/admin");
    expect(normalisePath("/x/%2E%2E/admin")).toBe("/admin");
    expect(normalisePath("/x/%2e/./admin/.")).toBe("/x/admin/");
    expect(normalisePath("/../../admin")).toBe("/admin");
    expect(normalisePath("/")).toBe("/");
    expect(normalisePath(parsed("/a/%2e%2e//admin"))).toBe("/admin");
  });

  it("decodes escapes of unreserved characters and upper-cases the others", () => {
    expect(normalisePath("/%61dmin")).toBe("/admin");
    expect(normalisePath("/%41dmin/%7e%2D%5F")).toBe("/Admin/~-_");
    expect(normalisePath("/a%20b/%c3%a9")).toBe("/a%20b/%C3%A9");
  });

  it("keeps the case of the path (matching decides case sensitivity)", () => {
    expect(normalisePath("/Admin")).toBe("/Admin");
  });

  it("refuses an encoded slash, backslash or NUL in any case with 400 invalid_path", () => {
    for (const p of ["/%2fadmin", "/%2Fadmin", "/x%5cadmin", "/x%5Cadmin", "/admin%00", "/a\\b"]) {
      let err: unknown;
      try {
        normalisePath(p);
      } catch (e) {
        err = e;
      }
      expect(err, p).toBeInstanceOf(Rejection);
      expect((err as Rejection).status, p).toBe(400);
      expect((err as Rejection).code, p).toBe("client:invalid_path");
    }
  });

  it("refuses a malformed escape", () => {
    expect(() => normalisePath("/a%zz")).toThrow(Rejection);
  });

  it("is idempotent", () => {
    for (const p of ["//a/./b/../c//", "/%61%62/%20", "/x/%2E%2E/y"]) expect(normalisePath(normalisePath(p))).toBe(normalisePath(p));
  });
});

describe("forwardedUrl", () => {
  it("sends the normalised path and drops only the named query parameters", () => {
    const u = new URL("http://h.localhost//admin/../x?apikey=k1&a=b%20c&api%6Bey=k2&z");
    expect(forwardedUrl(u, "/x", new Set(["apikey"])).toString()).toBe("http://h.localhost/x?a=b%20c&z");
    expect(forwardedUrl(new URL("http://h.localhost/?apikey=1"), "/", new Set(["apikey"])).toString()).toBe("http://h.localhost/");
    expect(forwardedUrl(new URL("http://h.localhost/p?q=1"), "/p", new Set()).toString()).toBe("http://h.localhost/p?q=1");
  });
});
