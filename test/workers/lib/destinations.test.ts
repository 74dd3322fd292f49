import { describe, expect, it } from "vitest";
import {
  appWorkerBindings,
  destinationPolicy,
  destinationProblem,
  forwardProblem,
  webhookUrlProblem,
  workerBindingProblem,
} from "../../../workers/lib/destinations";

/** The destination policy in the Workers runtime (its URL parser decides what hosts normalise to). */
const strict = destinationPolicy({ SENTINEL_BASE_DOMAIN: "gw.keyforge.test", API_BASE_URL: "https://api.keyforge.test" });
const local = destinationPolicy({ ALLOW_LOCAL_DESTINATIONS: "1", SENTINEL_BASE_DOMAIN: "localhost" }, ["http://127.0.0.1:8787"]);

const LOOPBACK = [
  "http://127.0.0.1:8080",
  "http://127.8.9.10",
  "http://2130706433/",
  "http://0x7f.1/",
  "http://0x7f000001/",
  "http://0177.0.0.1/",
  "http://127.1/",
  "http://127.0.0.1./",
  "http://%31%32%37.0.0.1/",
  "http://[::1]:9229/",
  "http://localhost:9229/json",
  "http://LOCALHOST./",
  "http://app.localhost/",
];

const ALWAYS_REFUSED = [
  "http://10.0.0.1/",
  "http://172.16.5.4/",
  "http://192.168.1.1/",
  "http://100.64.0.1/",
  "http://169.254.169.254/latest/meta-data/",
  "http://0xa9fea9fe/",
  "http://0.0.0.0/",
  "http://0/",
  "http://[::]/",
  "http://[fe80::1]/",
  "http://[fc00::1]/",
  "http://[fd12:3456::1]/",
  "http://[::ffff:127.0.0.1]/",
  "http://[::ffff:7f00:1]/",
  "http://[0:0:0:0:0:ffff:7f00:1]/",
  "http://[::ffff:10.0.0.1]/",
  "http://[::ffff:8.8.8.8]/",
  "http://[::127.0.0.1]/",
  "http://224.0.0.1/",
  "http://255.255.255.255/",
  "http://metadata/",
  "http://metadata.google.internal/",
  "http://printer.local/",
  "http://user:pw@example.com/",
  "http://example.com@127.0.0.1/",
  "ftp://example.com/",
  "file:///etc/passwd",
  "not a url",
];

const OURS = [
  "https://api.keyforge.test/v2",
  "https://api.keyforge.test:8443/",
  "https://app-x.gw.keyforge.test/",
  "https://gw.keyforge.test/",
  "https://GW.KEYFORGE.TEST./",
];

const PUBLIC = [
  "https://example.com",
  "https://example.com:8443/base",
  "http://origin.example.org/",
  "https://1.1.1.1",
  "http://8.8.8.8:80/",
  "https://[2606:4700:4700::1111]/",
  "https://xn--bcher-kva.example/",
];

describe("destination policy", () => {
  it.each(LOOPBACK)("refuses the loopback destination %s by default", (url) => {
    expect(destinationProblem(url, strict)).toMatch(/loopback/);
  });

  it.each(ALWAYS_REFUSED)("refuses %s, also with ALLOW_LOCAL_DESTINATIONS=1", (url) => {
    expect(destinationProblem(url, strict)).not.toBeNull();
    expect(destinationProblem(url, local)).not.toBeNull();
  });

  it.each(OURS)("refuses the platform's own hostname %s", (url) => {
    expect(destinationProblem(url, strict)).toMatch(/own/);
  });

  it.each(PUBLIC)("allows the public destination %s", (url) => {
    expect(destinationProblem(url, strict)).toBeNull();
    expect(destinationProblem(url, local)).toBeNull();
  });

  it("allows loopback under the opt-in, except our own origin and generated hostnames", () => {
    for (const url of ["http://127.0.0.1:3000", "http://2130706433:3000/", "http://[::1]:3000/", "http://localhost:3000/"])
      expect(destinationProblem(url, local)).toBeNull();
    expect(destinationProblem("http://127.0.0.1:8787/v2/liveness", local)).toMatch(/own origin/);
    expect(destinationProblem("http://app-x.localhost:8788/", local)).toMatch(/own domain/);
  });

  it("webhooks: https only, or http to loopback under the opt-in", () => {
    expect(webhookUrlProblem("https://hooks.example.com/x", strict)).toBeNull();
    expect(webhookUrlProblem("http://hooks.example.com/x", strict)).toMatch(/https/);
    expect(webhookUrlProblem("http://127.0.0.1:9000/hook", strict)).toMatch(/loopback/);
    expect(webhookUrlProblem("http://127.0.0.1:9000/hook", local)).toBeNull();
    expect(webhookUrlProblem("https://10.1.2.3/hook", local)).not.toBeNull();
  });

  it("Worker upstreams: never our own bindings, and only those APP_WORKER_BINDINGS lists", () => {
    for (const name of ["API", "DB", "RATE_LIMITER", "USAGE_LIMITER"]) expect(workerBindingProblem(name, null)).toMatch(/platform itself/);
    for (const name of ["API", "DB"]) expect(workerBindingProblem(name, ["API", "DB"])).toMatch(/platform itself/);
    expect(workerBindingProblem("MY_APP", null)).toBeNull();
    expect(workerBindingProblem("MY_APP", ["MY_APP"])).toBeNull();
    expect(workerBindingProblem("OTHER", ["MY_APP"])).toMatch(/APP_WORKER_BINDINGS/);
    expect(appWorkerBindings({})).toBeNull();
    expect(appWorkerBindings({ APP_WORKER_BINDINGS: "not json" })).toEqual([]);
    // at request time an unset list allows no Worker at all
    expect(forwardProblem({}, { worker: "MY_APP" }, new URL("https://a.localhost/"))).toMatch(/APP_WORKER_BINDINGS/);
    expect(forwardProblem({ APP_WORKER_BINDINGS: '["MY_APP"]' }, { worker: "MY_APP" }, new URL("https://a.localhost/"))).toBeNull();
  });

  it("at request time the inbound origin is ours too", () => {
    expect(forwardProblem({ ALLOW_LOCAL_DESTINATIONS: "1" }, { url: "http://127.0.0.1:8788" }, new URL("http://127.0.0.1:8788/x"))).toMatch(/own origin/);
    expect(forwardProblem({}, { url: "http://127.0.0.1:3000" }, new URL("http://x.localhost/"))).toMatch(/loopback/);
  });
});
