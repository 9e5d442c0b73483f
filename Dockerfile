# One image for every creditflow service; CREDITFLOW_SERVICE picks the one to run:
#   platform (embedded: all services in one process), pricing, wallet, subscription-scheduler, refund.
#
#   docker build -t creditflow .
#   docker run -e CREDITFLOW_SERVICE=pricing -e KAFKA_BROKERS=... -p 3001:3000 creditflow
#
# The build stage type-checks and compiles to dist/ (npm run build); the image runs that JavaScript
# with plain node on Node 22 LTS, with production dependencies only (npm ci --omit=dev), as the
# unprivileged `node` user.

FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary can be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm ci --omit=dev --no-audit --no-fund

FROM node:22-bookworm-slim
WORKDIR /app
ARG SERVICE=platform
ENV NODE_ENV=production \
    CREDITFLOW_SERVICE=${SERVICE} \
    PORT=3000 \
    CREDITFLOW_DATA_DIR=/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config/tenants ./config/tenants
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["sh", "-c", "main=dist/apps/${CREDITFLOW_SERVICE}/src/main.js; [ -f \"$main\" ] || { echo \"unknown CREDITFLOW_SERVICE '${CREDITFLOW_SERVICE}' (no $main)\" >&2; exit 64; }; exec node --enable-source-maps \"$main\""]
