# roomwatch: one image for the collector and the agent.
#
#   docker build -t roomwatch .
#   docker run … roomwatch collector --config /etc/roomwatch/collector.yaml
#   docker run … roomwatch agent --config /etc/roomwatch/agent.yaml
#   docker run --rm roomwatch token new NAME
#
# deploy/README.md runs it with InfluxDB and Grafana under docker compose.

ARG NODE_MAJOR=20

# ---- build: compile TypeScript, bundle the agent, keep only runtime dependencies ----
FROM node:${NODE_MAJOR}-bookworm AS build
WORKDIR /src
# The full bookworm image has python3, make and g++: better-sqlite3 compiles from
# source here when no prebuilt binary can be downloaded.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime ----
FROM node:${NODE_MAJOR}-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /opt/roomwatch

# A fixed, unprivileged uid/gid, so volume ownership is predictable. The data
# directory is created (and owned) here: a new named volume mounted on it copies
# that ownership, so the collector's database and the agent's spool are writable.
RUN groupadd --system --gid 10001 roomwatch \
 && useradd --system --uid 10001 --gid roomwatch --home-dir /var/lib/roomwatch --no-create-home --shell /usr/sbin/nologin roomwatch \
 && mkdir -p /var/lib/roomwatch /etc/roomwatch \
 && chown roomwatch:roomwatch /var/lib/roomwatch

# Code and shipped data stay root-owned: the process can read them, not change them.
# packageRoot() finds package.json here, and with it rules/, agent/profiles/ and
# agent/ssh/platforms.yaml.
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/rules ./rules
COPY --from=build /src/agent/profiles ./agent/profiles
COPY --from=build /src/agent/ssh/platforms.yaml ./agent/ssh/platforms.yaml
COPY --from=build /src/examples ./examples

USER roomwatch:roomwatch
EXPOSE 8080

# The collector's health (200 while its local store is ok, 503 otherwise). The agent
# serves no HTTP: docker-compose.yml gives the agent service its own healthcheck.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["node", "dist/bin/roomwatch.js"]
CMD ["collector", "--config", "/etc/roomwatch/collector.yaml"]
