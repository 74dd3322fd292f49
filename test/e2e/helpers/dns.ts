import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface DohStub {
  /** the resolver URL to give the API as DNS_RESOLVER_URL */
  url: string;
  /** publish TXT values for a name (replacing earlier ones) */
  setTxt(name: string, values: string[]): void;
  /** names asked for, in order */
  queries: string[];
  stop(): Promise<void>;
}

/**
 * A DNS-over-HTTPS resolver stub speaking the JSON API (`GET ?name=…&type=TXT`, answer
 * `application/dns-json` as Cloudflare's and Google's): NXDOMAIN unless the test published
 * records for the name.
 */
export async function startDohStub(): Promise<DohStub> {
  const records = new Map<string, string[]>();
  const queries: string[] = [];
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://stub");
    const name = (u.searchParams.get("name") ?? "").replace(/\.$/, "").toLowerCase();
    queries.push(name);
    const values = u.searchParams.get("type")?.toUpperCase() === "TXT" ? records.get(name) : undefined;
    const body = values
      ? { Status: 0, Question: [{ name, type: 16 }], Answer: values.map((v) => ({ name: `${name}.`, type: 16, TTL: 300, data: `"${v}"` })) }
      : { Status: 3, Question: [{ name, type: 16 }] };
    res.writeHead(200, { "content-type": "application/dns-json" });
    res.end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/dns-query`,
    setTxt: (name, values) => records.set(name.toLowerCase(), values),
    queries,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
