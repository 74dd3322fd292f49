#!/usr/bin/env node
// The peer a self-hoster would pick: a minimal Node HTTP server answering the same
// `ratelimit.limit` contract with rate-limiter-flexible over Redis. argv: <port> <redisPort>
import { createServer } from "node:http";
import { Redis } from "ioredis";
import { RateLimiterRedis } from "rate-limiter-flexible";

const [port, redisPort] = process.argv.slice(2).map(Number);
const redis = new Redis({ port: redisPort, enableOfflineQueue: true, lazyConnect: false });
const limiters = new Map();
function limiterFor(namespace, limit, duration) {
  const id = `${namespace}:${limit}:${duration}`;
  let l = limiters.get(id);
  if (!l) {
    l = new RateLimiterRedis({ storeClient: redis, keyPrefix: namespace, points: limit, duration: Math.max(1, Math.round(duration / 1000)) });
    limiters.set(id, l);
  }
  return l;
}

createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", async () => {
    const send = (status, obj) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(obj));
    };
    if (req.url === "/v2/liveness") return send(200, { meta: { requestId: "req_peer" }, data: { message: "OK" } });
    try {
      const { namespace, identifier, limit, duration, cost = 1 } = JSON.parse(body);
      const limiter = limiterFor(namespace, limit, duration);
      try {
        const r = await limiter.consume(identifier, cost);
        send(200, { meta: { requestId: "req_peer" }, data: { success: true, limit, remaining: r.remainingPoints, reset: Date.now() + r.msBeforeNext } });
      } catch (/** @type {any} */ r) {
        if (r instanceof Error) throw r;
        send(200, { meta: { requestId: "req_peer" }, data: { success: false, limit, remaining: 0, reset: Date.now() + r.msBeforeNext } });
      }
    } catch (err) {
      send(500, { error: String(err) });
    }
  });
}).listen(port, "127.0.0.1", () => console.log(`peer listening on ${port}`));
