/**
 * The status a request log row records: the upstream's, or 499 (as Unkey logs it) when the
 * client went away before the response body was through. The runtime cancels the body stream
 * we hand it when the client disconnects; the body is piped natively through an identity
 * stream (no JavaScript per chunk), and a pipe that breaks while the upstream's body is still
 * readable is the client's cancel: 499.
 */
export function watchClient(
  body: ReadableStream | null,
  status: number,
  signal: AbortSignal | undefined,
): { body: ReadableStream | null; outcome: Promise<number> } {
  if (signal?.aborted) return { body, outcome: Promise.resolve(499) };
  if (!body) return { body, outcome: Promise.resolve(status) };
  const { readable, writable } = new IdentityTransformStream();
  const outcome = body.pipeTo(writable, { preventCancel: true }).then(
    () => (signal?.aborted ? 499 : status),
    async () => {
      if (signal?.aborted) return 499;
      // the upstream failed mid-body (e.g. the Sentinel's own deadline): its status stands
      if (await hasErrored(body)) return status;
      body.cancel("client went away").catch(() => {});
      return 499;
    },
  );
  return { body: readable, outcome };
}

/** Whether a stream (unlocked) has errored: an errored stream's `closed` is already rejected. */
async function hasErrored(stream: ReadableStream): Promise<boolean> {
  const reader = stream.getReader();
  // an errored stream's `closed` rejects within the current turn; a still-open one's does not settle
  const errored = await Promise.race([
    reader.closed.then(
      () => false,
      () => true,
    ),
    new Promise<boolean>((r) => setTimeout(() => r(false), 0)),
  ]);
  reader.releaseLock();
  return errored;
}
