import { fromBase64 } from "../crypto";

/**
 * GitHub signs secret-scanning alerts with ECDSA P-256 / SHA-256; the signature header is the
 * base64 of a DER-encoded signature, which WebCrypto wants as raw r‖s (IEEE P1363).
 */
export function derToRaw(der: Uint8Array, size = 32): Uint8Array {
  // SEQUENCE { INTEGER r, INTEGER s }
  let i = 0;
  if (der[i++] !== 0x30) throw new Error("not a DER sequence");
  const len = der[i++]!;
  if (len & 0x80) i += len & 0x7f; // long-form length (never for P-256, tolerated)
  const readInt = () => {
    if (der[i++] !== 0x02) throw new Error("expected DER integer");
    const n = der[i++]!;
    let bytes = der.slice(i, i + n);
    i += n;
    while (bytes.length > size && bytes[0] === 0) bytes = bytes.slice(1);
    if (bytes.length > size) throw new Error("integer too long");
    const out = new Uint8Array(size);
    out.set(bytes, size - bytes.length);
    return out;
  };
  const r = readInt();
  const s = readInt();
  const raw = new Uint8Array(size * 2);
  raw.set(r, 0);
  raw.set(s, size);
  return raw;
}

function pemToSpki(pem: string): Uint8Array {
  const b64 = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, "");
  return fromBase64(b64);
}

/** True when `signatureB64` is a valid signature of `payload` under the PEM public key. */
export async function verifyGithubSignature(pem: string, signatureB64: string, payload: string): Promise<boolean> {
  try {
    const key = await crypto.subtle.importKey("spki", pemToSpki(pem), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const raw = derToRaw(fromBase64(signatureB64));
    return await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, raw, new TextEncoder().encode(payload));
  } catch {
    return false;
  }
}
