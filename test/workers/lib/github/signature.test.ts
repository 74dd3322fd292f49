import { describe, expect, it } from "vitest";
import { derToRaw, verifyGithubSignature } from "../../../../workers/lib/github/signature";

const b64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));

/** A DER INTEGER of a big-endian unsigned value: leading zeros dropped, 0x00 added when the high bit is set. */
function derInt(v: Uint8Array): Uint8Array {
  let i = 0;
  while (i < v.length - 1 && v[i] === 0) i++;
  const body = v[i]! & 0x80 ? [0, ...v.slice(i)] : [...v.slice(i)];
  return new Uint8Array([0x02, body.length, ...body]);
}

/** WebCrypto's raw r‖s signature as GitHub sends it: DER, base64. */
function rawToDer(raw: Uint8Array): Uint8Array {
  const r = derInt(raw.slice(0, 32));
  const s = derInt(raw.slice(32));
  return new Uint8Array([0x30, r.length + s.length, ...r, ...s]);
}

async function signer() {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const spki = new Uint8Array((await crypto.subtle.exportKey("spki", pair.publicKey)) as ArrayBuffer);
  const pem = `-----BEGIN PUBLIC KEY-----\n${b64(spki).replace(/(.{64})/g, "$1\n")}\n-----END PUBLIC KEY-----\n`;
  const sign = async (payload: string) => {
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, new TextEncoder().encode(payload)));
    return b64(rawToDer(raw));
  };
  return { pem, sign };
}

const PAYLOAD = JSON.stringify([{ token: "sk_123", type: "sk_key", url: "https://github.com/o/r/blob/main/x", source: "content" }]);

describe("GitHub secret-scanning signatures", () => {
  it("accepts a real ECDSA P-256 signature of the exact body", async () => {
    const { pem, sign } = await signer();
    expect(await verifyGithubSignature(pem, await sign(PAYLOAD), PAYLOAD)).toBe(true);
  });

  it("rejects a tampered body", async () => {
    const { pem, sign } = await signer();
    const sig = await sign(PAYLOAD);
    expect(await verifyGithubSignature(pem, sig, PAYLOAD.replace("sk_123", "sk_124"))).toBe(false);
    expect(await verifyGithubSignature(pem, sig, PAYLOAD + " ")).toBe(false);
  });

  it("rejects a signature made with another key", async () => {
    const github = await signer();
    const attacker = await signer();
    expect(await verifyGithubSignature(github.pem, await attacker.sign(PAYLOAD), PAYLOAD)).toBe(false);
  });

  it("answers false, never throws, for a signature or key that is not DER / PEM", async () => {
    const { pem, sign } = await signer();
    expect(await verifyGithubSignature(pem, "not base64!", PAYLOAD)).toBe(false);
    expect(await verifyGithubSignature(pem, b64(new Uint8Array([0x31, 0x00])), PAYLOAD)).toBe(false);
    expect(await verifyGithubSignature("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", await sign(PAYLOAD), PAYLOAD)).toBe(false);
  });

  it("converts DER to raw r‖s: a leading 0x00 sign byte dropped, a short integer left-padded", () => {
    const r = new Uint8Array(32).fill(0xff); // high bit set: DER carries 33 bytes
    const s = new Uint8Array(32);
    s[31] = 7; // DER carries 1 byte
    const raw = derToRaw(rawToDer(new Uint8Array([...r, ...s])));
    expect([...raw.slice(0, 32)]).toEqual([...r]);
    expect([...raw.slice(32)]).toEqual([...s]);
    expect(() => derToRaw(new Uint8Array([0x31, 0x00]))).toThrow();
  });
});
