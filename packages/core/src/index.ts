/**
 * Verifies API keys against a Keyforge server (or Unkey itself): over HTTP with `baseUrl`, or,
 * inside a Cloudflare Worker, through a service binding to the API Worker's `ApiEntrypoint`
 * (no HTTP hop). Every failure is a `KeyforgeError`, so callers have one thing to catch.
 */

export interface VerifyKeyRequest {
  key: string;
  tags?: string[];
  permissions?: string;
  credits?: { cost: number };
  ratelimits?: { name: string; cost?: number; limit?: number; duration?: number }[];
  migrationId?: string;
}

export interface VerifyKeyData {
  valid: boolean;
  /** VALID, NOT_FOUND, FORBIDDEN, USAGE_EXCEEDED, RATE_LIMITED, UNAUTHORIZED, DISABLED, INSUFFICIENT_PERMISSIONS, EXPIRED */
  code: string;
  keyId?: string;
  name?: string;
  meta?: Record<string, unknown>;
  expires?: number;
  credits?: number;
  enabled?: boolean;
  permissions?: string[];
  roles?: string[];
  identity?: { id: string; externalId: string; meta?: Record<string, unknown>; ratelimits?: unknown[] };
  ratelimits?: { id?: string; name: string; limit: number; duration: number; reset: number; remaining: number; exceeded: boolean; autoApply?: boolean }[];
}

/** The verification result, the same `{ meta, data }` envelope `@unkey/api` returns. */
export interface VerifyKeyResponse {
  meta: { requestId: string };
  data: VerifyKeyData;
}

export interface ErrorEnvelope {
  meta?: { requestId?: string };
  error: { title?: string; detail?: string; status?: number; type?: string; errors?: { location: string; message: string; fix?: string }[] };
}

/** What the API Worker's `ApiEntrypoint` offers over a service binding (the part we use). */
export interface KeyforgeBinding {
  verifyKey(input: VerifyKeyRequest & { rootKey: string; ip?: string }): Promise<VerifyKeyResponse | ErrorEnvelope>;
}

export interface KeyforgeClientOptions {
  /** A root key of your workspace (needs `api.*.verify_key` or the API's own). */
  rootKey: string;
  /** Where the API answers, e.g. `http://localhost:8787` or your Worker's URL. No default: say where. */
  baseUrl?: string;
  /**
   * Name of a service binding to the API Worker's `ApiEntrypoint` in `env` (default `KEYFORGE`).
   * When present, verification goes through it instead of HTTP.
   */
  binding?: string;
  /** fetch to use for HTTP (default: the global one) */
  fetch?: typeof fetch;
}

/**
 * Any failure to get a verification answer: the server's error envelope (bad root key,
 * missing permission, invalid input, …), a network failure, an unreadable answer or a missing
 * configuration. `statusCode` is the HTTP status (0 when no answer came back).
 */
export class KeyforgeError extends Error {
  readonly statusCode: number;
  /** the Unkey error type URL, e.g. https://unkey.com/docs/errors/unkey/authentication/key_not_found */
  readonly type?: string;
  readonly requestId?: string;
  /** the error envelope as the server sent it, when there was one */
  readonly body?: ErrorEnvelope;

  constructor(message: string, o: { statusCode: number; type?: string; requestId?: string; body?: ErrorEnvelope; cause?: unknown }) {
    super(message, o.cause === undefined ? undefined : { cause: o.cause });
    this.name = "KeyforgeError";
    this.statusCode = o.statusCode;
    this.type = o.type;
    this.requestId = o.requestId;
    this.body = o.body;
  }
}

export const DEFAULT_BINDING = "KEYFORGE";

/** The binding named by the options, when `env` holds one that looks like ApiEntrypoint. */
export function findBinding(opts: Pick<KeyforgeClientOptions, "binding">, env: unknown): KeyforgeBinding | undefined {
  if (!env || typeof env !== "object") return undefined;
  const b = (env as Record<string, unknown>)[opts.binding ?? DEFAULT_BINDING];
  return b && typeof (b as KeyforgeBinding).verifyKey === "function" ? (b as KeyforgeBinding) : undefined;
}

/**
 * keys.verifyKey: through the service binding when `env` has it, else over HTTP to `baseUrl`.
 * `ip` (the end user's address) is passed to the binding for the key's IP allowlist; over HTTP
 * the server sees the caller's own address, as with Unkey.
 */
export async function verifyKey(opts: KeyforgeClientOptions, req: VerifyKeyRequest, ctx: { env?: unknown; ip?: string } = {}): Promise<VerifyKeyResponse> {
  const binding = findBinding(opts, ctx.env);
  if (binding) {
    let res: VerifyKeyResponse | ErrorEnvelope;
    try {
      res = await binding.verifyKey({ ...req, rootKey: opts.rootKey, ...(ctx.ip ? { ip: ctx.ip } : {}) });
    } catch (cause) {
      throw new KeyforgeError(`keyforge: the service binding failed: ${String(cause)}`, { statusCode: 0, cause });
    }
    return unwrap(res, undefined);
  }
  if (!opts.baseUrl) {
    throw new KeyforgeError(`keyforge: set baseUrl, or bind the API Worker as env.${opts.binding ?? DEFAULT_BINDING}`, { statusCode: 0 });
  }
  const doFetch = opts.fetch ?? fetch;
  let res: Response;
  try {
    res = await doFetch(`${opts.baseUrl.replace(/\/+$/, "")}/v2/keys.verifyKey`, {
      method: "POST",
      headers: { authorization: `Bearer ${opts.rootKey}`, "content-type": "application/json" },
      body: JSON.stringify(req),
    });
  } catch (cause) {
    throw new KeyforgeError(`keyforge: could not reach ${opts.baseUrl}: ${String(cause)}`, { statusCode: 0, cause });
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (cause) {
    throw new KeyforgeError(`keyforge: unreadable answer (HTTP ${res.status})`, { statusCode: res.status, cause });
  }
  return unwrap(body as VerifyKeyResponse | ErrorEnvelope, res.status);
}

function unwrap(res: VerifyKeyResponse | ErrorEnvelope, httpStatus: number | undefined): VerifyKeyResponse {
  if (res && typeof res === "object" && "error" in res && res.error) {
    const e = res.error;
    const status = httpStatus ?? e.status ?? 500;
    throw new KeyforgeError(`keyforge: [${status}] ${e.detail ?? e.title ?? "error"}`, {
      statusCode: status,
      type: e.type,
      requestId: res.meta?.requestId,
      body: res,
    });
  }
  if (!res || typeof res !== "object" || !("data" in res) || typeof res.data?.valid !== "boolean" || (httpStatus !== undefined && httpStatus !== 200)) {
    throw new KeyforgeError(`keyforge: unexpected answer${httpStatus ? ` (HTTP ${httpStatus})` : ""}`, { statusCode: httpStatus ?? 500 });
  }
  return res;
}

/** `Authorization: Bearer <key>` → the key, as @unkey/hono and @unkey/nextjs read it. */
export function bearerKey(header: string | null | undefined): string | undefined {
  const v = header?.replace("Bearer ", "").trim();
  return v ? v : undefined;
}
