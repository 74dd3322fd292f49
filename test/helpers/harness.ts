import { SELF } from "cloudflare:test";

export const ADMIN_KEY = "test-admin-key";

export type Envelope<T = any> = {
  meta: { requestId: string };
  data: T;
  pagination?: { cursor?: string; hasMore: boolean };
  error?: { title: string; detail: string; status: number; type: string; errors?: { location: string; message: string; fix?: string }[] };
};

/** POST /v2/<operation> with a bearer token and a JSON body. */
export async function call<T = any>(
  operation: string,
  body: unknown,
  token?: string | null,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Envelope<T>; headers: Headers }> {
  const h: Record<string, string> = { "content-type": "application/json", ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  const res = await SELF.fetch(`http://api.test/v2/${operation}`, {
    method: "POST",
    headers: h,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: Envelope<T>;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 200)}`);
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A fresh workspace with a full-access root key. */
export async function newWorkspace(name = "test workspace") {
  const res = await call<{ workspaceId: string; rootKey: string; rootKeyId: string }>("workspaces.createWorkspace", { name }, ADMIN_KEY);
  if (res.status !== 200) throw new Error(`createWorkspace failed: ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** A root key of the workspace holding exactly `permissions`. */
export async function rootKeyWith(fullAccessRootKey: string, permissions: string[]) {
  const res = await call<{ keyId: string; key: string }>("rootKeys.createRootKey", { name: "scoped", permissions }, fullAccessRootKey);
  if (res.status !== 200) throw new Error(`createRootKey failed: ${JSON.stringify(res.body)}`);
  return res.body.data.key;
}

export async function newApi(rootKey: string, name = "test api") {
  const res = await call<{ apiId: string }>("apis.createApi", { name }, rootKey);
  if (res.status !== 200) throw new Error(`createApi failed: ${JSON.stringify(res.body)}`);
  return res.body.data.apiId;
}

export function errorType(code: string) {
  return `https://unkey.com/docs/errors/${code}`;
}
