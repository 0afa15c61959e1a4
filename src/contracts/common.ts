import { z } from "zod";

export const email = z.string().trim().toLowerCase().email().max(254);
export const userId = z.uuid();
export const isoTime = z.iso.datetime({ offset: true });
/** A secret sealed with the platform key (src/platform/secrets.ts): never the secret itself. */
export const sealed = z.string().regex(/^v1\.[\w-]+\.[\w-]*\.[\w-]+$/, "expected a sealed value");
/** SHA-256 hex of a token or session token: the token itself never crosses the log. */
export const tokenHash = z.string().regex(/^[0-9a-f]{64}$/);
export const role = z.enum(["user", "admin"]);
export const userStatus = z.enum(["PENDING", "ACTIVE", "SUSPENDED", "EXPIRED"]);
export const profileFields = {
  fullName: z.string().trim().max(200).nullable(),
  phone: z.string().trim().max(40).nullable(),
  address: z.string().trim().max(500).nullable(),
};
