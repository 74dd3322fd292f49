#!/usr/bin/env node
// CPU profile of one Worker of a running benchmark server (`node scripts/bench/run.mjs --serve
// --inspector-port P`) while you drive load at it: samples V8 for `seconds`, prints the
// functions with the most self time and the heaviest call paths, writes the .cpuprofile
// (open it in Chrome DevTools).
//   node scripts/bench/profile.mjs <inspectorPort> <target id, e.g. core:user:keyforge-api> [seconds=5] [out.cpuprofile]
import { writeFileSync } from "node:fs";

const [port, target = "core:user:keyforge-api", seconds = "5", out = `/tmp/${target.replace(/\W+/g, "_")}.cpuprofile`] = process.argv.slice(2);
const ws = new WebSocket(`ws://127.0.0.1:${port}/${target}`);
let seq = 0;
const waiting = new Map();
ws.onmessage = (m) => {
  const msg = JSON.parse(m.data);
  if (msg.id && waiting.has(msg.id)) {
    waiting.get(msg.id)(msg);
    waiting.delete(msg.id);
  }
};
const send = (method, params = {}) =>
  new Promise((resolve) => {
    const id = ++seq;
    waiting.set(id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });
await new Promise((r, j) => ((ws.onopen = r), (ws.onerror = j)));
await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 100 });
await send("Profiler.start");
await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
const { result } = await send("Profiler.stop");
ws.close();
const profile = result.profile;
writeFileSync(out, JSON.stringify(profile));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const counts = new Map();
for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);
const total = profile.samples.length;
const name = (n) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber + 1}`;
const self = new Map();
const inclusive = new Map();
for (const [id, c] of counts) {
  const n = byId.get(id);
  self.set(name(n), (self.get(name(n)) ?? 0) + c);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = name(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + c);
  }
}
const pct = (c) => ((100 * c) / total).toFixed(1).padStart(5) + "%";
console.log(`${total} samples`);
console.log("\nself time:");
for (const [k, c] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${pct(c)}  ${k}`);
console.log("\ninclusive time:");
for (const [k, c] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, 45)) console.log(`${pct(c)}  ${k}`);
console.log(`\nprofile: ${out}`);
