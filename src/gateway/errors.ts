import { defineErrors } from "../platform/errors.ts";

export const gatewayErrors = defineErrors("gateway", {
  MALFORMED_JSON: { status: 400, message: "The request body is not valid JSON." },
});
