// The one place the CLI talks HTTP: `POST <apiUrl>/v2/<operationId>` with a bearer token.
import { CliError } from "./errors.js";
import { VERSION } from "./version.js";

const TIMEOUT_MS = 60_000;

/**
 * Sends one RPC call. Resolves to `{ status, body, requestId, tookMs }` for every HTTP answer
 * that carries JSON (success or error envelope); throws a CliError when the server cannot be
 * reached or does not answer with JSON.
 * @param {{ apiUrl: string; operationId: string; body?: unknown; token: string; timeoutMs?: number; onUploadProgress?: (sent: number, total: number) => void }} call
 */
export async function callApi({ apiUrl, operationId, body, token, timeoutMs = TIMEOUT_MS, onUploadProgress }) {
  const url = `${apiUrl}/v2/${operationId}`;
  const started = performance.now();
  let res;
  const json = JSON.stringify(body ?? {});
  try {
    res = await fetch(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json",
        "user-agent": `unkey-cli/${VERSION}`,
        "x-unkey-client": `unkey-cli/${VERSION}`,
      },
      ...(onUploadProgress ? { body: progressStream(json, onUploadProgress), duplex: "half" } : { body: json }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (/** @type {any} */ err) {
    const reason = err?.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000}s` : (err?.cause?.code ?? err?.cause?.message ?? err.message);
    throw new CliError(`cannot reach ${apiUrl}: ${reason}`, { transient: true });
  }
  const text = await res.text();
  const tookMs = Math.round(performance.now() - started);
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`unexpected answer from ${url}: HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ""}`, {
      status: res.status,
      transient: res.status >= 500 || res.status === 429,
    });
  }
  const requestId = parsed?.meta?.requestId ?? res.headers.get("x-unkey-request-id") ?? undefined;
  return { status: res.status, body: parsed, requestId, tookMs };
}

/** The body in 256 KiB chunks, reporting (sent, total) bytes as each chunk is read by the connection. */
function progressStream(text, onProgress) {
  const bytes = new TextEncoder().encode(text);
  const CHUNK = 256 * 1024;
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes.byteLength) {
        controller.close();
        return;
      }
      const next = bytes.subarray(sent, sent + CHUNK);
      sent += next.byteLength;
      controller.enqueue(next);
      onProgress(sent, bytes.byteLength);
    },
  });
}

/** GET a URL and report its status (for `unkey healthcheck`). */
export async function getStatus(url, timeoutMs = 10_000) {
  const started = performance.now();
  try {
    const res = await fetch(url, { method: "GET", signal: AbortSignal.timeout(timeoutMs), headers: { "user-agent": `unkey-cli/${VERSION}` } });
    await res.arrayBuffer();
    return { status: res.status, tookMs: Math.round(performance.now() - started) };
  } catch (/** @type {any} */ err) {
    const reason = err?.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000}s` : (err?.cause?.code ?? err?.cause?.message ?? err.message);
    return { error: reason, tookMs: Math.round(performance.now() - started) };
  }
}
