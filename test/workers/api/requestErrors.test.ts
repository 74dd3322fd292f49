import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { HTTPClient, Unkey } from "@unkey/api";
import * as sdkErrors from "@unkey/api/models/errors";
import { createApp } from "../../../workers/api/app";
import type { Env } from "../../../workers/lib/env";
import { errorType, newApi, newWorkspace } from "../../helpers/harness";

/** The API app itself, with some bindings replaced (a failing D1, a failing Durable Object). */
async function fetchWith(overrides: Partial<Env>, op: string, init: RequestInit & { token?: string }) {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json");
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  const ctx = createExecutionContext();
  const res = await createApp().fetch(
    new Request(`http://api.test/v2/${op}`, { ...init, method: "POST", headers }),
    { ...(env as unknown as Env), ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

/** The real D1 binding whose every query fails as D1 does during an outage. */
const failingDb = () =>
  new Proxy(env.DB, {
    get(target, prop) {
      if (prop === "prepare" || prop === "batch" || prop === "exec") {
        return () => {
          throw new Error("D1_ERROR: Network connection lost.");
        };
      }
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  }) as D1Database;

/** A UsageLimiter namespace whose objects fail as an overloaded/reset Durable Object does. */
const failingUsageLimiter = () =>
  ({
    idFromName: (name: string) => env.USAGE_LIMITER.idFromName(name),
    get: () =>
      new Proxy(
        {},
        {
          get: () => async () => {
            throw Object.assign(new Error("Durable Object reset because its code was updated."), { retryable: true, durableObjectReset: true });
          },
        },
      ),
  }) as unknown as Env["USAGE_LIMITER"];

describe("request-level errors", () => {
  it("a request still running at REQUEST_TIMEOUT_MS answers 408 request_timeout", async () => {
    const ws = await newWorkspace();
    let close: () => void = () => {};
    // a client that never finishes sending its body
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        c.enqueue(new TextEncoder().encode('{"name":'));
        close = () => c.close();
      },
    });
    const started = Date.now();
    const res = await fetchWith({ REQUEST_TIMEOUT_MS: "200" }, "apis.createApi", { body, token: ws.rootKey });
    close();
    expect(res.status).toBe(408);
    const json = (await res.json()) as any;
    expect(json.error).toMatchObject({ status: 408, type: errorType("user/bad_request/request_timeout"), title: "Request Timeout" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("a D1 failure answers 500 service_unavailable with Retry-After, not unexpected_error", async () => {
    const ws = await newWorkspace();
    const res = await fetchWith({ DB: failingDb() }, "apis.createApi", { body: JSON.stringify({ name: "during outage" }), token: ws.rootKey });
    expect(res.status).toBe(500);
    expect(res.headers.get("Retry-After")).toBe("5");
    const json = (await res.json()) as any;
    expect(json.error.type).toBe(errorType("unkey/application/service_unavailable"));
    expect(json.meta.requestId).toMatch(/^req_/);
  });

  it("@unkey/api raises InternalServerErrorResponse for it", async () => {
    const ws = await newWorkspace();
    const fetcher = (req: unknown) => createApp().fetch(req as Request, { ...(env as unknown as Env), DB: failingDb() }, createExecutionContext());
    const unkey = new Unkey({ serverURL: "http://api.test", rootKey: ws.rootKey, httpClient: new HTTPClient({ fetcher: fetcher as never }) });
    const err = await unkey.apis.createApi({ name: "during outage" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(sdkErrors.InternalServerErrorResponse);
  });

  it("a Durable Object failure answers 500 service_unavailable with Retry-After", async () => {
    const ws = await newWorkspace();
    const apiId = await newApi(ws.rootKey);
    const created = await fetchWith({}, "keys.createKey", { body: JSON.stringify({ apiId, credits: { remaining: 10 } }), token: ws.rootKey });
    const { key } = ((await created.json()) as any).data;
    const res = await fetchWith({ USAGE_LIMITER: failingUsageLimiter() }, "keys.verifyKey", { body: JSON.stringify({ key }), token: ws.rootKey });
    expect(res.status).toBe(500);
    expect(res.headers.get("Retry-After")).toBe("5");
    expect(((await res.json()) as any).error.type).toBe(errorType("unkey/application/service_unavailable"));
  });

  it("a bug is still unexpected_error (no Retry-After)", async () => {
    const ws = await newWorkspace();
    const broken = new Proxy(env.DB, {
      get(target, prop) {
        if (prop === "prepare")
          return () => {
            throw new TypeError("cannot read properties of undefined");
          };
        const v = Reflect.get(target, prop);
        return typeof v === "function" ? v.bind(target) : v;
      },
    }) as D1Database;
    const res = await fetchWith({ DB: broken }, "apis.createApi", { body: JSON.stringify({ name: "bug" }), token: ws.rootKey });
    expect(res.status).toBe(500);
    expect(res.headers.get("Retry-After")).toBeNull();
    expect(((await res.json()) as any).error.type).toBe(errorType("unkey/application/unexpected_error"));
  });
});
