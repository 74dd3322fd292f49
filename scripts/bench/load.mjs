#!/usr/bin/env node
// The load generator, run as its own process so it does not share a core's event loop with
// the server. Reads one scenario from the JSON file named by argv[2] and prints a summary as
// JSON on stdout.
//
// scenario: { url, method, headers, bodies: string[] | undefined, body?: string, connections,
//             duration, mode?: "throughput" | "latency" }
// When `bodies` is given, request i uses bodies[i % bodies.length] (many keys / identifiers).
//
// - throughput (default): autocannon at a fixed concurrency for a fixed time. autocannon's
//   latency histogram has 1 ms resolution, fine at 50 connections.
// - latency: one connection, requests back to back for `duration` seconds over a keep-alive
//   socket, timed with hrtime (µs resolution) — for differences well below a millisecond
//   (the Sentinel's overhead).
import autocannon from "autocannon";
import http from "node:http";
import { readFileSync } from "node:fs";

const s = JSON.parse(readFileSync(process.argv[2], "utf8"));

if (s.mode === "latency") {
  process.stdout.write(JSON.stringify(await latency(s)));
} else {
  process.stdout.write(JSON.stringify(await throughput(s)));
}

async function throughput(s) {
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
  return {
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statusCodes: result.statusCodeStats,
  };
}

async function latency(s) {
  const url = new URL(s.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const one = (body) =>
    new Promise((resolve, reject) => {
      const headers = { ...(s.headers ?? {}) };
      if (body !== undefined) headers["content-length"] = Buffer.byteLength(body);
      const t0 = process.hrtime.bigint();
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: s.method ?? "POST", headers, agent }, (res) => {
        res.on("data", () => {});
        res.on("end", () => resolve({ status: res.statusCode, us: Number(process.hrtime.bigint() - t0) / 1000 }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
  const times = [];
  let errors = 0;
  let non2xx = 0;
  let i = 0;
  const end = Date.now() + s.duration * 1000;
  while (Date.now() < end) {
    const body = s.bodies?.length ? s.bodies[i++ % s.bodies.length] : s.body;
    try {
      const r = await one(body);
      if (r.status < 200 || r.status > 299) non2xx++;
      else times.push(r.us);
    } catch {
      errors++;
    }
  }
  agent.destroy();
  times.sort((a, b) => a - b);
  const pct = (p) => (times.length ? +(times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] / 1000).toFixed(3) : null);
  return { requests: times.length + non2xx, rps: (times.length + non2xx) / s.duration, p50: pct(50), p99: pct(99), errors, timeouts: 0, non2xx };
}
