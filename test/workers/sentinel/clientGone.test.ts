import { describe, expect, it } from "vitest";
import { watchClient } from "../../../workers/sentinel/clientGone";

const chunks = (...parts: string[]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of parts) c.enqueue(new TextEncoder().encode(p));
    },
  }); // never closes by itself unless told: a slow upstream

describe("Sentinel request log status when the client goes away", () => {
  it("a client that cancels the response body mid-way is recorded as 499", async () => {
    const w = watchClient(chunks("first", "second"), 200, undefined);
    const reader = w.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("first");
    await reader.cancel("client disconnected");
    expect(await w.outcome).toBe(499);
  });

  it("a body read to the end keeps the upstream status", async () => {
    const done = new ReadableStream<Uint8Array>({
      start: (c) => {
        c.enqueue(new TextEncoder().encode("all"));
        c.close();
      },
    });
    const w = watchClient(done, 201, undefined);
    expect(await new Response(w.body).text()).toBe("all");
    expect(await w.outcome).toBe(201);
  });

  it("an upstream that fails mid-body keeps its status: the client did not go away", async () => {
    let fail!: (e: Error) => void;
    const broken = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("part"));
        fail = (e) => c.error(e);
      },
    });
    const w = watchClient(broken, 200, undefined);
    const reader = w.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("part");
    fail(new Error("upstream deadline"));
    await expect(reader.read()).rejects.toThrow();
    expect(await w.outcome).toBe(200);
  });

  it("an aborted request signal is 499, and no body keeps the status", async () => {
    const gone = new AbortController();
    gone.abort();
    expect(await watchClient(chunks("x"), 200, gone.signal).outcome).toBe(499);
    expect(await watchClient(null, 204, undefined).outcome).toBe(204);
  });
});
