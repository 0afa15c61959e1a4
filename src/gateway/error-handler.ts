import type { Socket } from "node:net";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { SerializedError } from "../platform/errors.ts";
import { AppError, platformErrors } from "../platform/errors.ts";
import { gatewayErrors } from "./errors.ts";

/** The one error shape of API.md: { error: { code, message, details? } }. */
export function errorBody(error: Pick<SerializedError, "code" | "message" | "details">): {
  error: { code: string; message: string; details?: readonly { path: string; message: string }[] };
} {
  return {
    error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
  };
}

/**
 * One detail per bad field. A field nobody asked for is named by its own path ("taxRate",
 * "items.0.unitPrice"), not by the object that holds it, so a client sees which key to fix.
 */
function issueDetails(issue: z.core.$ZodIssue): { path: string; message: string }[] {
  const at = (path: readonly PropertyKey[]) => path.map(String).join(".") || "(body)";
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({ path: at([...issue.path, key]), message: "unknown field" }));
  }
  return [{ path: at(issue.path), message: issue.message }];
}

/** Maps Fastify's own errors to catalog codes; nothing internal reaches a client. */
function toAppError(error: FastifyError | Error): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof z.ZodError) {
    return platformErrors.VALIDATION_FAILED({ details: error.issues.flatMap(issueDetails) });
  }
  const code = (error as FastifyError).code;
  switch (code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return platformErrors.PAYLOAD_TOO_LARGE();
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return platformErrors.UNSUPPORTED_MEDIA_TYPE();
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return gatewayErrors.MALFORMED_JSON();
  }
  if (error instanceof SyntaxError) return gatewayErrors.MALFORMED_JSON();
  const status = (error as FastifyError).statusCode;
  if (status === 413) return platformErrors.PAYLOAD_TOO_LARGE();
  if (status === 415) return platformErrors.UNSUPPORTED_MEDIA_TYPE();
  if (status === 404) return platformErrors.NOT_FOUND();
  if (status !== undefined && status >= 400 && status < 500) return gatewayErrors.MALFORMED_JSON();
  return platformErrors.INTERNAL();
}

/**
 * Requests Node's HTTP parser refuses (bad request line, invalid header bytes, a body that
 * lies about its length) never reach a route: answer them in the one error shape too, then
 * close the connection, whose state is unknown.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(errorBody(platformErrors.VALIDATION_FAILED()));
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * Errors the router raises before any route or hook runs (a path that is not valid percent
 * encoding, a path parameter over the length limit): the one error shape, nothing echoed back.
 */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const appError =
    error.code === "FST_ERR_ASYNC_CONSTRAINT"
      ? platformErrors.INTERNAL()
      : platformErrors.VALIDATION_FAILED();
  void reply.status(appError.status).send(errorBody(appError));
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500 && appError.code === "INTERNAL") {
      request.log.error({ err: error }, "unhandled error");
    }
    if (appError.headers) void reply.headers(appError.headers);
    if (appError.code === "UNAVAILABLE" && !appError.headers?.["Retry-After"])
      void reply.header("Retry-After", "1");
    return reply.status(appError.status).send(errorBody(appError));
  });
  app.setNotFoundHandler((_request, reply) => {
    const error = platformErrors.NOT_FOUND();
    return reply.status(404).send(errorBody(error));
  });
}
