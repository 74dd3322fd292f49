// The runner's listening sockets: a small Node HTTP front per public port that forwards every
// request to workerd's internal socket after two rewrites a Worker must be able to trust:
// - CF-Connecting-IP is set from the TCP peer address (as Cloudflare's edge does); whatever the
//   client sent is dropped, so a client cannot choose its IP (remoteIp limits, IP allowlists).
// - Miniflare's control headers (MF-*) are dropped: MF-Route-Override would let a client pick
//   any Worker of the process and MF-CF-Blob would let it write `request.cf`.
// Everything else (method, path, raw headers in order, body, upgrades) passes through as sent.
import http from "node:http";
import net from "node:net";

/** A request carrying this header gets `X-Keyforge-Runner: <token>` back: proof of which runner answered. */
export const PROBE = "x-keyforge-runner-probe";

/** The client address as Cloudflare writes it: IPv4-mapped IPv6 unwrapped. */
export function peerAddress(socket) {
  const a = socket.remoteAddress ?? "";
  return a.startsWith("::ffff:") && a.includes(".") ? a.slice(7) : a;
}

// Hop-by-hop headers (RFC 9110 §7.6.1) end at this hop, as at Cloudflare's edge; the body's framing
// is Node's to redo. A client's `Trailer` would otherwise make http.request throw (and a throw here
// would end the whole runner).
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"]);

/**
 * Raw header list [k, v, k, v…] without the client's CF-Connecting-IP, CF-Ray (the Workers read
 * the colo from it, workers/lib/colo.ts; the edge replaces a client's) and MF-* headers, plus ours.
 * For a plain request (`tunnel` false) also without hop-by-hop headers and those `Connection` names.
 */
function rewriteHeaders(rawHeaders, socket, extra, tunnel = false) {
  const named = new Set();
  if (!tunnel) {
    for (let i = 0; i < rawHeaders.length; i += 2) {
      if (rawHeaders[i].toLowerCase() === "connection") for (const n of rawHeaders[i + 1].split(",")) named.add(n.trim().toLowerCase());
    }
  }
  const out = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i].toLowerCase();
    if (name === "cf-connecting-ip" || name === "cf-ray" || name.startsWith("mf-") || name === PROBE) continue;
    if (!tunnel && (HOP_BY_HOP.has(name) || named.has(name))) continue;
    out.push(rawHeaders[i], rawHeaders[i + 1]);
  }
  out.push("CF-Connecting-IP", peerAddress(socket));
  for (const [k, v] of Object.entries(extra)) out.push(k, v);
  return out;
}

/** A 400 in the Unkey error envelope, for requests refused before any Worker sees them. */
function badRequest(res, detail) {
  const body = {
    meta: { requestId: "" },
    error: { title: "Bad Request", detail, status: 400, type: "https://unkey.com/docs/errors/unkey/application/invalid_input", errors: [] },
  };
  res.writeHead(400, { "content-type": "application/json", connection: "close" });
  res.end(JSON.stringify(body));
}

/**
 * Listens on host:port (port 0 = any free one). `target()` returns the current
 * { host, port, headers? } of the workerd socket (it moves when the runner restarts workerd);
 * null while not ready (answers 503). Resolves once listening; rejects with EADDRINUSE etc.
 */
export async function startFront({ host = "127.0.0.1", port, target, onRequest, token }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const server = http.createServer({ maxHeaderSize: 1024 * 1024, requireHostHeader: false }, (req, res) => {
    const t = target();
    if (!t) {
      res.writeHead(503, { "content-type": "text/plain", "retry-after": "1" });
      res.end("starting\n");
      return;
    }
    // RFC 9112 §3.2: more than one Host is a 400 (as at Cloudflare's edge), never a guess
    if (req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i].toLowerCase() === "host").length > 1) {
      return badRequest(res, "A request carries exactly one Host header (RFC 9112 §3.2).");
    }
    const started = Date.now();
    let upstream;
    try {
      const headers = rewriteHeaders(req.rawHeaders, req.socket, t.headers ?? {});
      upstream = http.request({ host: t.host, port: t.port, method: req.method, path: req.url, headers, agent, setHost: false }, (ures) => {
        const headers = token && req.headers[PROBE] !== undefined ? [...ures.rawHeaders, "X-Keyforge-Runner", token] : ures.rawHeaders;
        try {
          res.writeHead(ures.statusCode ?? 502, ures.statusMessage, headers);
        } catch (err) {
          ures.destroy();
          return res.destroy(/** @type {Error} */ (err));
        }
        ures.pipe(res);
        ures.on("end", () => onRequest?.(req, ures.statusCode, Date.now() - started));
      });
    } catch (/** @type {any} */ err) {
      // a request head Node refuses to send on is the client's fault; it must never end the runner
      return badRequest(res, `The request head cannot be forwarded (${err.code ?? err.message}).`);
    }
    upstream.on("error", (/** @type {NodeJS.ErrnoException} */ err) => {
      if (!res.headersSent) {
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`runner: upstream error (${err.code ?? err.message})\n`);
      } else res.destroy(err);
    });
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  // WebSocket upgrades and CONNECT: forward the rewritten head, then splice the two sockets.
  const tunnel = (req, socket, head) => {
    const t = target();
    if (!t) return socket.destroy();
    const up = net.connect(t.port, t.host, () => {
      const headers = rewriteHeaders(req.rawHeaders, req.socket, t.headers ?? {}, true);
      let text = `${req.method} ${req.url} HTTP/${req.httpVersion}\r\n`;
      for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
      up.write(text + "\r\n");
      if (head?.length) up.write(head);
      up.pipe(socket);
      socket.pipe(up);
    });
    up.on("error", () => socket.destroy());
    socket.on("error", () => up.destroy());
  };
  server.on("upgrade", tunnel);
  server.on("connect", tunnel);
  // longer than clients keep idle sockets (undici: 4 s), so a client never reuses a socket the
  // front is closing at that very moment ("other side closed"); as load balancers do (65 s)
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  /** @type {Promise<void>} */
  const listening = new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  await listening;
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    server,
    port: address.port,
    url: `http://${host}:${address.port}`,
    /** Stops accepting; requests in flight get up to graceMs to finish, then every socket closes. */
    close: ({ graceMs = 0 } = {}) =>
      /** @type {Promise<void>} */ (
        new Promise((resolve) => {
          const force = () => {
            server.closeAllConnections?.();
            agent.destroy();
          };
          const timer = setTimeout(force, graceMs);
          server.close(() => {
            clearTimeout(timer);
            agent.destroy();
            resolve();
          });
          server.closeIdleConnections?.();
          if (graceMs === 0) force();
        })
      ),
  };
}
