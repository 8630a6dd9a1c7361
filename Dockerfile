# One image for every Daedalus role: `daedalus sidecar|agent|gateway|coordinator|make-token` (deploy/docker/daedalus).
# The build runs what scripts/install.sh and `npm run build` run on a machine: `npm ci` (exactly the lock file),
# tsc + tsc-alias, javac for the JMX bridge.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS build
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jdk-headless && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY scripts ./scripts
COPY test ./test
COPY bench ./bench
COPY ui ./ui
RUN npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE}
# The node agent's JMX bridge is a Java program: a JRE is enough at run time.
RUN apt-get update && apt-get install -y --no-install-recommends openjdk-17-jre-headless && rm -rf /var/lib/apt/lists/*
# Run as Cassandra's user, so that restored files land in table directories with the owner Cassandra needs and
# snapshots are readable: 999 in the official cassandra image; give the uid/gid of your nodes' user otherwise.
ARG CASSANDRA_UID=999
ARG CASSANDRA_GID=999
RUN (getent group "${CASSANDRA_GID}" >/dev/null || groupadd --system --gid "${CASSANDRA_GID}" cassandra) \
 && (getent passwd "${CASSANDRA_UID}" >/dev/null || useradd --system --uid "${CASSANDRA_UID}" --gid "${CASSANDRA_GID}" --no-create-home --home-dir /app cassandra)
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/libs/jmx/java ./libs/jmx/java
COPY deploy/docker/daedalus /usr/local/bin/daedalus
ENV NODE_ENV=production DAEDALUS_APP_DIR=/app
USER ${CASSANDRA_UID}:${CASSANDRA_GID}
EXPOSE 4567
ENTRYPOINT ["daedalus"]
# Without arguments, the sidecar: an operator that starts the image as Icarus's sidecar (CassKop's
# backRestSidecar) gives it no command, only the environment every setting can come from.
CMD ["sidecar"]
