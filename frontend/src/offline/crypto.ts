// Encryption at rest (Web Crypto, AES-GCM). The device makes one key for itself that can never be read out
// (extractable=false, kept in IndexedDB as a CryptoKey); a meeting book's key, given by the server, is kept
// only wrapped by it; every stored piece is sealed with a fresh IV and bound (additional data) to what it is,
// so that a piece moved to another place, document or version does not open.
import type { OfflineStore } from "./store";

export interface Sealed {
  iv: Uint8Array;
  data: ArrayBuffer;
}

const DEVICE_KEY = "device";
const IV_BYTES = 12;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const subtle = () => globalThis.crypto.subtle;
const iv = () => globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
const gcm = (vector: Uint8Array, bound: string): AesGcmParams => ({
  name: "AES-GCM",
  iv: vector as BufferSource,
  additionalData: encoder.encode(bound),
});

/** This device's own key, made on first use; two tabs making it at once keep the first one stored. */
export async function deviceKey(store: OfflineStore): Promise<CryptoKey> {
  const existing = await store.get<CryptoKey>("keys", DEVICE_KEY);
  if (existing) return existing;
  const made = await subtle().generateKey({ name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
    "wrapKey",
    "unwrapKey",
  ]);
  if (await store.add("keys", DEVICE_KEY, made)) return made;
  return (await store.get<CryptoKey>("keys", DEVICE_KEY)) as CryptoKey;
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The server's key (base64 of 32 bytes) wrapped by the device key; the clear bytes are not kept. */
export async function wrapBookKey(device: CryptoKey, base64Key: string, bound: string): Promise<Sealed> {
  const raw = fromBase64(base64Key);
  if (raw.length !== 32) throw new Error("a meeting book's key has 32 bytes");
  try {
    // Extractable only for the moment of wrapping it; what is unwrapped later never is.
    const key = await subtle().importKey("raw", raw as BufferSource, "AES-GCM", true, ["encrypt", "decrypt"]);
    const vector = iv();
    return { iv: vector, data: await subtle().wrapKey("raw", key, device, gcm(vector, bound)) };
  } finally {
    raw.fill(0);
  }
}

export async function unwrapBookKey(device: CryptoKey, wrapped: Sealed, bound: string): Promise<CryptoKey> {
  return subtle().unwrapKey("raw", wrapped.data, device, gcm(wrapped.iv, bound), { name: "AES-GCM" }, false, [
    "encrypt",
    "decrypt",
  ]);
}

export async function seal(key: CryptoKey, data: BufferSource, bound: string): Promise<Sealed> {
  const vector = iv();
  return { iv: vector, data: await subtle().encrypt(gcm(vector, bound), key, data) };
}

/** The clear bytes; throws (OperationError) when the key, the binding or the bytes are not the sealed ones. */
export async function open(key: CryptoKey, sealed: Sealed, bound: string): Promise<ArrayBuffer> {
  return subtle().decrypt(gcm(sealed.iv, bound), key, sealed.data);
}

export async function sealJson(key: CryptoKey, value: unknown, bound: string): Promise<Sealed> {
  return seal(key, encoder.encode(JSON.stringify(value)), bound);
}

export async function openJson<T>(key: CryptoKey, sealed: Sealed, bound: string): Promise<T> {
  return JSON.parse(decoder.decode(await open(key, sealed, bound))) as T;
}

/** The SHA-256 of the bytes in hex: a stored file's ETag is this, quoted. */
export async function sha256Hex(data: BufferSource): Promise<string> {
  const digest = new Uint8Array(await subtle().digest("SHA-256", data));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
