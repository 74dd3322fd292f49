const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/** Base58 (Bitcoin alphabet); leading zero bytes become "1". */
export function base58(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  const digits: number[] = [];
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]!;
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j]! << 8;
      digits[j] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = (carry / 58) | 0;
    }
  }
  let out = "1".repeat(zeros);
  for (let i = digits.length - 1; i >= 0; i--) out += ALPHABET[digits[i]!];
  return out;
}

export function toBase64(bytes: ArrayBuffer | Uint8Array): string {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (let i = 0; i < u8.length; i++) s += String.fromCharCode(u8[i]!);
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let s = "";
  for (let i = 0; i < u8.length; i++) s += u8[i]!.toString(16).padStart(2, "0");
  return s;
}

const encoder = new TextEncoder();

/** The stored form of every secret: base64 (standard, padded) SHA-256 of the UTF-8 string. */
export async function sha256Base64(value: string): Promise<string> {
  return toBase64(await crypto.subtle.digest("SHA-256", encoder.encode(value)));
}

export async function sha256Hex(value: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", encoder.encode(value)));
}

/** Constant-time comparison of two strings (length leaks, content does not). */
export function timingSafeEqual(a: string, b: string): boolean {
  const ea = encoder.encode(a);
  const eb = encoder.encode(b);
  if (ea.byteLength !== eb.byteLength) {
    // still do the work so timing does not depend on where they differ
    crypto.subtle.timingSafeEqual(ea, ea);
    return false;
  }
  return crypto.subtle.timingSafeEqual(ea, eb);
}

/** A new secret key: `<prefix>_<base58(bytes)>` (no prefix: just the base58 part). */
export function generateKey(prefix: string | null | undefined, byteLength: number): { key: string; start: string } {
  const body = base58(crypto.getRandomValues(new Uint8Array(byteLength)));
  if (prefix) return { key: `${prefix}_${body}`, start: `${prefix}_${body.slice(0, 4)}` };
  return { key: body, start: body.slice(0, 4) };
}
