/**
 * The status a request log row records: the upstream's, or 499 (as Unkey logs it) when the
 * client went away before the response body was through. The runtime cancels the body stream
 * we hand it when the client disconnects; this wrapper turns that cancel into the 499.
 */
export function watchClient(
  body: ReadableStream | null,
  status: number,
  signal: AbortSignal | undefined,
): { body: ReadableStream | null; outcome: Promise<number> } {
  if (signal?.aborted) return { body, outcome: Promise.resolve(499) };
  if (!body) return { body, outcome: Promise.resolve(status) };
  let settle!: (s: number) => void;
  const outcome = new Promise<number>((r) => (settle = r));
  const reader = body.getReader();
  const passed = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          settle(signal?.aborted ? 499 : status);
        } else controller.enqueue(value);
      } catch (e) {
        // the upstream failed mid-body (e.g. the Sentinel's own deadline): its status stands
        settle(signal?.aborted ? 499 : status);
        controller.error(e);
      }
    },
    cancel(reason) {
      settle(499);
      return reader.cancel(reason);
    },
  });
  return { body: passed, outcome };
}
