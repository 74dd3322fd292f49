import type { EnvironmentSettings } from "../../../schema/deploy";
import type { Bundle } from "./bundle";

/**
 * Turning a stored bundle into Worker Loader code (docs/deploy.md). Shared by the API (build
 * check and health probe) and the Sentinel (serving), so both run exactly the same thing.
 */

/** Defaults of the runtime settings of code deployments (docs/deploy.md "Limits"). */
export const DEFAULT_CPU_MS_PER_REQUEST = 50;
export const DEFAULT_SUBREQUESTS_PER_REQUEST = 50;

export interface RuntimeLimits {
  cpuMs: number;
  subRequests: number;
}

export function runtimeLimits(rt: Partial<EnvironmentSettings["runtime"]>): RuntimeLimits {
  return { cpuMs: rt.cpuMsPerRequest ?? DEFAULT_CPU_MS_PER_REQUEST, subRequests: rt.subrequestsPerRequest ?? DEFAULT_SUBREQUESTS_PER_REQUEST };
}

function bytes(base64: string): ArrayBuffer {
  const bin = atob(base64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
}

export function loaderModules(b: Bundle): Record<string, WorkerLoaderModule> {
  const out: Record<string, WorkerLoaderModule> = {};
  for (const m of b.modules) {
    if (m.type === "esm") out[m.name] = { js: m.content };
    else if (m.type === "json") out[m.name] = { json: JSON.parse(m.content) };
    else if (m.type === "text") out[m.name] = { text: m.content };
    else if (m.type === "wasm") out[m.name] = { wasm: bytes(m.content) };
    else out[m.name] = { data: bytes(m.content) };
  }
  return out;
}

/** Name of the check module the build step adds next to the user's modules. */
const CHECK_MODULE = "__unkey_check.js";

/**
 * The build step: a main module that imports the user's main module and only reports whether
 * its default export handles fetch. Loading it fails exactly when the bundle does not start
 * (syntax error, missing import, a throw at top level); the user's fetch never runs.
 */
export function checkCode(b: Bundle): WorkerLoaderWorkerCode {
  const check = `import * as app from ${JSON.stringify("./" + b.mainModule)};
const d = app.default;
const hasFetch = !!d && (typeof d.fetch === "function" || (typeof d === "function" && typeof d.prototype?.fetch === "function"));
export default { fetch() { return Response.json({ hasFetch }); } };`;
  return {
    compatibilityDate: b.compatibilityDate,
    compatibilityFlags: b.compatibilityFlags,
    mainModule: CHECK_MODULE,
    modules: { ...loaderModules(b), [CHECK_MODULE]: { js: check } },
    env: {},
    globalOutbound: null,
  };
}

/** The code that serves: the user's modules with exactly the env given, and nothing of ours. */
export function appCode(
  b: Bundle,
  o: { env: Record<string, string>; limits: RuntimeLimits; globalOutbound: Fetcher | null; tails?: Fetcher[] },
): WorkerLoaderWorkerCode {
  return {
    compatibilityDate: b.compatibilityDate,
    compatibilityFlags: b.compatibilityFlags,
    mainModule: b.mainModule,
    modules: loaderModules(b),
    env: o.env,
    globalOutbound: o.globalOutbound,
    limits: o.limits,
    ...(o.tails?.length ? { tails: o.tails } : {}),
  };
}

/** "Failed to start Worker:\nUncaught SyntaxError: …" → the first useful line(s). */
export function startError(e: unknown): string {
  const msg = String((e as Error)?.message ?? e).replace(/^Error:\s*/, "");
  return msg
    .replace(/^Failed to start Worker:\s*/i, "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 3)
    .join(" ")
    .slice(0, 1000);
}
