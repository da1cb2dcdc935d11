# syntax=docker/dockerfile:1
#
# FountainAI 2FA Service.
#
#   docker build -t fountainai/2fa-service .
#   docker run -p 8004:8004 -e SECRET_KEY="$(openssl rand -base64 48)" \
#     -e ENCRYPTION_KEY="$(openssl rand -base64 32)" \
#     -e DATABASE_URL=postgresql://twofa@db.internal:5432/twofa fountainai/2fa-service
#
# Two stages. "build" installs every dependency (the Prisma CLI is a devDependency and the
# postinstall script needs it to generate both Prisma clients into src/db/generated/),
# compiles src/ (the generated clients included) to JavaScript in dist/, then prunes the
# devDependencies. "runtime" gets only the pruned node_modules, dist/, the migrations and the
# GraphQL operations, and runs the compiled service on Node alone (no TypeScript loader) as
# the unprivileged `node` user. The service applies pending migrations itself at start, so
# no migration step is needed before `docker run`.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app

# NODE_ENV must not be "production" here: npm would then leave out the devDependencies,
# and the postinstall (prisma generate) would find no `prisma` CLI.
ENV NODE_ENV=development \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

# Everything `npm ci` reads, its postinstall included: scripts/prisma-generate.mjs writes
# prisma/{sqlite,postgres}/schema.prisma from prisma/models.prisma and runs the Prisma CLI,
# which picks up prisma.config.ts (the engine-free "js" mode). This layer is rebuilt only
# when the lockfile or the data model changes.
#
# Note: the `node` devDependency downloads a Node 24 binary into node_modules during this
# install; npm scripts in this stage run on it. It is pruned below: the runtime stage runs
# on the image's own Node 24.
COPY package.json package-lock.json .npmrc prisma.config.ts ./
COPY scripts/prisma-generate.mjs ./scripts/
COPY prisma/models.prisma ./prisma/
RUN npm ci

# The migrations and the sources, compiled to dist/ (dist/main.js is src/main.ts).
# .dockerignore keeps a local src/db/generated/ and dist/ out of the context, so the clients
# generated above are the ones compiled.
COPY prisma ./prisma
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The drop-in components (docs/ui.md): npm run build bundles web/ into web/dist.
COPY web ./web
COPY scripts/build-web.mjs ./scripts/
RUN npm run build
# GraphiQL's tabs and the persisted-operations list are read from here at start-up.
COPY schema/operations ./schema/operations

# Production dependencies only from here on (TypeScript, tsx and the Prisma CLI go).
# `npm prune` runs no lifecycle scripts.
RUN npm prune --omit=dev

# ---------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

LABEL org.opencontainers.image.title="FountainAI 2FA Service" \
      org.opencontainers.image.description="One-time codes by email and SMS for FountainAI services: legacy REST and GraphQL" \
      org.opencontainers.image.version="1.0.0"

# Production rules apply (SECRET_KEY is required, codes are never returned to callers
# unless OTP_IN_RESPONSE=true). The default database is a SQLite file on the /data volume;
# set DATABASE_URL=postgresql://... for PostgreSQL. HOST is set even though production's default
# is the same: the published port must reach the service whatever NODE_ENV a deployment sets.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8004 \
    DATABASE_URL=file:/data/2fa.db

WORKDIR /app

# Owned by root and read-only to the service user: the process cannot alter its own code.
# package.json says "type": "module", which makes Node load dist/ as ES modules; the
# migrator finds prisma/ (models.prisma and the migrations) by walking up from dist/.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/prisma ./prisma
COPY --from=build /app/dist ./dist
COPY --from=build /app/web/dist ./web/dist
COPY --from=build /app/schema ./schema

# SQLite needs to write the database file and, beside it, its -wal and -shm files.
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]

USER node
EXPOSE 8004

# Liveness only (/healthz): readiness (/readyz) depends on the database and belongs to the
# orchestrator's readiness probe. The slim image has no curl; Node 24 has fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8004) + '/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# One process (no npm wrapper) so SIGTERM from `docker stop` reaches the service, which then
# finishes in-flight requests and closes the database. The settings and V8 flags are those of
# `npm run start:prod` in package.json (keep the two the same; the benchmark reads them from
# there; docs/performance.md, "What limits it"):
# - MALLOC_ARENA_MAX=1: glibc's per-thread arenas (V8's compiler and GC threads) held ~30 MB,
#   and the second arena still tens of MB at the peak (160 MB is the target, issue 24);
# - an 8 MB semi space, set explicitly: with the old space capped, V8 would size the
#   young generation from the cap, and the scavenges made requests cost 4-10 times the CPU (a
#   4 MB one spent a fifth of a GraphQL request in the collector; 16 MB put start-up at 161 MB);
# - the old space capped at 160 MB, so the heap grows to what the service uses, not to what
#   V8 would reserve by default;
# - no Maglev (V8's middle compiler): under load it compiled GraphQL's many functions into
#   10-20 MB of code, compiler memory and heap more at the peak; without it the CPU a request
#   stays within the run-to-run spread (TurboFan still optimizes the hot code;
#   docs/performance.md, issue 24).
# The admin tools are compiled too: `docker exec CONTAINER node dist/cli/cli.js --help`.
ENV MALLOC_ARENA_MAX=1
CMD ["node", "--max-semi-space-size=8", "--max-old-space-size=160", "--no-maglev", "dist/main.js"]
