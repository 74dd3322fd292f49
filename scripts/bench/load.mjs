#!/usr/bin/env node
// The load generator, run as its own process so it does not share a core's event loop with
// the server: autocannon at a fixed concurrency for a fixed time. Reads one scenario as JSON
// from argv[2] and prints autocannon's summary as JSON on stdout.
//
// scenario: { url, method, headers, bodies: string[] | undefined, body?: string, connections, duration }
// When `bodies` is given, request i uses bodies[i % bodies.length] (many keys / identifiers).
import autocannon from "autocannon";

const s = JSON.parse(process.argv[2]);
let i = 0;
const opts = {
  url: s.url,
  connections: s.connections,
  duration: s.duration,
  method: s.method ?? "POST",
  headers: s.headers ?? {},
};
if (s.bodies?.length) {
  opts.requests = [
    {
      setupRequest: (req) => {
        req.body = s.bodies[i++ % s.bodies.length];
        return req;
      },
    },
  ];
} else if (s.body) {
  opts.body = s.body;
}
const result = await autocannon(opts);
process.stdout.write(
  JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes: result.statusCodeStats,
  }),
);
