# syntax=docker/dockerfile:1
# Multi-stage build: compile TypeScript and the native SQLite driver in a full image, ship only the
# production dependencies and the compiled output, and run as the unprivileged `node` user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Toolchain for better-sqlite3 when no prebuilt binary matches.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# shared/ is an npm workspace (the chat-service-contract package): npm ci needs its manifest to
# match the lockfile.
COPY shared/package.json ./shared/package.json
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY shared ./shared
COPY server ./server
# The browser demo is bundled with esbuild (a dev dependency) by scripts/build-demo.ts into dist/demo.
COPY demo ./demo
COPY scripts ./scripts
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
# HOST: every interface, so that the published port reaches the server (it is also the default
# with NODE_ENV=production; outside production the server listens on 127.0.0.1 only).
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3002 \
    DATABASE_URL=sqlite:/data/chat.db
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3002
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3002) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# JWT_SECRET must be given at run time (docker run -e JWT_SECRET=...): the server refuses to start without it.
CMD ["node", "dist/server/main.js"]
