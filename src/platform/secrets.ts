import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  hash,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { platformErrors } from "./errors.ts";

/**
 * Seals a secret so it can cross the log without being readable there: AES-256-GCM with a key
 * derived from LEDGERLINE_SECRET. Passwords in commands and links in emails travel sealed; a
 * message payload or a log line never holds them in the clear.
 */
export class Sealer {
  private readonly key: Buffer;

  constructor(secret: string | undefined) {
    this.key = secret ? createHash("sha256").update(`ledgerline-seal:${secret}`).digest() : randomBytes(32);
  }

  /** A keyed MAC (HMAC-SHA256, base64url) of `text`, for tokens derived from others (CSRF). */
  mac(text: string): string {
    return createHmac("sha256", this.key).update(text).digest("base64url");
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return `v1.${iv.toString("base64url")}.${body.toString("base64url")}.${cipher.getAuthTag().toString("base64url")}`;
  }

  unseal(sealed: string): string {
    const [version, iv, body, tag] = sealed.split(".");
    if (version !== "v1" || !iv || body === undefined || !tag) throw unsealable();
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString(
        "utf8",
      );
    } catch {
      throw unsealable();
    }
  }
}

function unsealable() {
  return platformErrors.INTERNAL({
    message: "A sealed field could not be opened (is LEDGERLINE_SECRET the same everywhere?)",
  });
}

/** SHA-256 of a token, hex: what services store and what the gateway sends instead of the token. */
export function hashToken(token: string): string {
  // One-shot: no Hash object per call (the gateway hashes the token of every request).
  return hash("sha256", token, "hex");
}

/** Compares two strings in constant time. */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
