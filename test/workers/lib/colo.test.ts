import { describe, expect, it } from "vitest";
import { coloOf } from "../../../workers/lib/colo";

describe("the colo of a request", () => {
  it("comes from the edge's CF-Ray suffix", () => {
    expect(coloOf(new Request("https://a.test/", { headers: { "cf-ray": "8f0e7a6b5c4d3e2f-SJC" } }))).toBe("SJC");
  });

  it("falls back to request.cf when there is no usable ray", () => {
    const withCf = (ray?: string) => {
      const r = new Request("https://a.test/", { headers: ray ? { "cf-ray": ray } : {} });
      Object.defineProperty(r, "cf", { value: { colo: "AMS" } });
      return r;
    };
    expect(coloOf(withCf())).toBe("AMS");
    expect(coloOf(withCf("8f0e7a6b5c4d3e2f"))).toBe("AMS");
    expect(coloOf(withCf("8f0e7a6b5c4d3e2f-"))).toBe("AMS");
  });
});
