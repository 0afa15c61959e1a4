# syntax=docker/dockerfile:1
# Ledgerline: one image for every service. `docker run ledgerline start --service login`
# (see docs/deploy.md). Build: docker build -t ledgerline .

ARG NODE_IMAGE=node:20-bookworm-slim

# 1. Dependencies and the web app's build (dev dependencies are needed only here).
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build:web \
  && npm prune --omit=dev --no-audit --no-fund

# 2. What runs: production dependencies, the sources (run by tsx, no compile step), the built web
#    app. No build tools, no dev dependencies, not root.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/src ./src
COPY --from=build /app/web/dist ./web/dist
# The embedded database (PGlite, only when no DATABASE_URL is set) and tsx's cache must be writable.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3000 9100
VOLUME ["/data"]
# Liveness on the gateway's port, or on OPS_PORT for a service on its own.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.OPS_PORT || process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "bin/ledgerline.js"]
CMD ["start"]
