# One image for every creditflow service; CREDITFLOW_SERVICE picks the one to run:
#   platform (embedded: all services in one process), pricing, wallet, subscription-scheduler, refund.
#
#   docker build -t creditflow .
#   docker run -e CREDITFLOW_SERVICE=pricing -e KAFKA_BROKERS=... -p 3001:3000 creditflow
#
# The services run from TypeScript sources through @swc-node/register (as `npm start` does), so the
# image keeps the dev dependencies.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary can be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
ARG SERVICE=platform
ENV CREDITFLOW_SERVICE=${SERVICE} \
    PORT=3000 \
    CREDITFLOW_DATA_DIR=/data
COPY --from=deps /app/node_modules ./node_modules
COPY . .
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
CMD ["sh", "-c", "main=apps/${CREDITFLOW_SERVICE}/src/main.ts; [ -f \"$main\" ] || { echo \"unknown CREDITFLOW_SERVICE '${CREDITFLOW_SERVICE}' (no $main)\" >&2; exit 64; }; exec node -r @swc-node/register \"$main\""]
