import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { requireStorableText } from "./storable-text.ts";

export type Access = "public" | "user" | "admin";

export interface RouteSpec<
  B extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  P extends z.ZodType | undefined = undefined,
> {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  readonly url: string;
  readonly summary: string;
  readonly tag: string;
  readonly access: Access;
  readonly body?: B;
  readonly query?: Q;
  /**
   * The path parameters' form (`{ id: z.uuid() }`): one that does not match is 400
   * VALIDATION_FAILED naming it, like a bad field, and never reaches a service.
   */
  readonly params?: P;
  /** Status → description of the success answers. */
  readonly success: Readonly<Record<number, string>>;
  /** Error codes this route may answer with (beyond the common ones). */
  readonly errors?: readonly string[];
  /** A content type other than JSON (the PDF, the event stream). */
  readonly produces?: string;
}

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;

export interface RouteInput<B, Q, P = Record<string, string>> {
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
  readonly body: B;
  readonly query: Q;
  readonly params: P;
}

/** What a route that declares no body, or no query, takes: nothing. */
const nothing = z.strictObject({});

type AnyRouteSpec = RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;

/**
 * Declares routes once: zod validates the body, query and path parameters (a ZodError becomes
 * 400 VALIDATION_FAILED with one detail per field), after every string in them is checked to be
 * text PostgreSQL can store, and every route lands in /openapi.json.
 */
export class Api {
  readonly routes: AnyRouteSpec[] = [];

  constructor(readonly app: FastifyInstance) {}

  route<
    B extends z.ZodType | undefined = undefined,
    Q extends z.ZodType | undefined = undefined,
    P extends z.ZodType | undefined = undefined,
  >(
    spec: RouteSpec<B, Q, P>,
    handler: (
      input: RouteInput<Infer<B>, Infer<Q>, P extends z.ZodType ? z.infer<P> : Record<string, string>>,
    ) => Promise<unknown>,
  ): void {
    this.routes.push(spec as AnyRouteSpec);
    const hasParams = spec.url.includes(":");
    this.app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => {
        if (spec.body) requireStorableText(request.body);
        if (spec.query) requireStorableText(request.query);
        if (hasParams) requireStorableText(request.params);
        const params = (
          spec.params ? spec.params.parse(request.params ?? {}) : (request.params ?? {})
        ) as never;
        // A route that takes no body or no query refuses one's fields too, naming each
        // (`?limit=2`, `{"all":true}`), rather than ignoring them.
        const body = (spec.body ?? nothing).parse(request.body ?? {}) as Infer<B>;
        const query = (spec.query ?? nothing).parse(request.query ?? {}) as Infer<Q>;
        return handler({ request, reply, body, query, params });
      },
    });
  }

  /** Records a route registered elsewhere (health, metrics, the mailbox) for the OpenAPI document. */
  document(spec: AnyRouteSpec): void {
    this.routes.push(spec);
  }

  openapi(info: { title: string; version: string; serverUrl: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const route of this.routes) {
      const path = route.url.replace(/:(\w+)/g, "{$1}");
      const forms = route.params
        ? ((toSchema(route.params) as { properties?: Record<string, unknown> }).properties ?? {})
        : {};
      const params = [...route.url.matchAll(/:(\w+)/g)].map((m) => ({
        name: m[1],
        in: "path",
        required: true,
        schema: forms[m[1] ?? ""] ?? { type: "string" },
      }));
      const queryParams = route.query ? queryParameters(route.query) : [];
      const responses: Record<string, unknown> = {};
      for (const [status, description] of Object.entries(route.success)) {
        responses[status] = route.produces
          ? { description, content: { [route.produces]: {} } }
          : { description, content: { "application/json": {} } };
      }
      const validated = route.body || route.query || route.params;
      const codes = [...(route.errors ?? []), ...(validated ? ["VALIDATION_FAILED"] : [])];
      if (route.access !== "public") codes.push("UNAUTHENTICATED");
      if (route.access === "admin") codes.push("FORBIDDEN");
      responses.default = {
        description: `Error${codes.length ? `: ${[...new Set(codes)].join(", ")}` : ""}`,
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
      };
      (paths[path] ??= {})[route.method.toLowerCase()] = {
        summary: route.summary,
        tags: [route.tag],
        ...(route.access !== "public" ? { security: [{ cookie: [] }, { bearer: [] }] } : {}),
        ...(params.length + queryParams.length ? { parameters: [...params, ...queryParams] } : {}),
        ...(route.body
          ? {
              requestBody: {
                required: true,
                content: { "application/json": { schema: toSchema(route.body) } },
              },
            }
          : {}),
        responses,
      };
    }
    return {
      openapi: "3.1.0",
      info: { title: info.title, version: info.version },
      servers: [{ url: info.serverUrl }],
      paths,
      components: {
        securitySchemes: {
          cookie: { type: "apiKey", in: "cookie", name: "ll_session" },
          bearer: { type: "http", scheme: "bearer" },
        },
        schemas: {
          Error: {
            type: "object",
            required: ["error"],
            properties: {
              error: {
                type: "object",
                required: ["code", "message"],
                properties: {
                  code: { type: "string" },
                  message: { type: "string" },
                  details: {
                    type: "array",
                    items: {
                      type: "object",
                      properties: { path: { type: "string" }, message: { type: "string" } },
                    },
                  },
                },
              },
            },
          },
        },
      },
    };
  }
}

function toSchema(schema: z.ZodType): unknown {
  try {
    return z.toJSONSchema(schema, { io: "input", unrepresentable: "any" });
  } catch {
    return {};
  }
}

function queryParameters(schema: z.ZodType): unknown[] {
  const json = toSchema(schema) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: "query",
    required: json.required?.includes(name) ?? false,
    schema: s,
  }));
}
