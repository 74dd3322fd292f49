import { connect } from "node:net";

/**
 * One raw HTTP/1.1 exchange over a socket (`\n` becomes CRLF), for request heads fetch() would
 * refuse or rewrite: duplicate Host, Trailer, CONNECT, oversized headers. Resolves with what the
 * server sent before closing; rejects only when it closed without a byte.
 */
export function rawExchange(base: string, text: string): Promise<string> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname);
    const out: Buffer[] = [];
    s.on("data", (d) => out.push(d));
    s.on("end", () => resolve(Buffer.concat(out).toString()));
    // the runtime may answer and reset before the whole request is written
    s.on("error", (e) => (out.length > 0 ? resolve(Buffer.concat(out).toString()) : reject(e)));
    s.write(text.replace(/\n/g, "\r\n"));
  });
}
