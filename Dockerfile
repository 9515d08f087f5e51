# Trove's container image for a normal Docker or Buildah set-up (docker build -t trove .).
# Where no base image can be pulled, deploy/image/build.sh makes the same image from this
# machine's node instead. Both run as uid 10001 with the cache in the /var/cache/trove volume.
FROM node:20-bookworm-slim AS build
WORKDIR /src
# better-sqlite3 compiles when no prebuilt binary can be downloaded.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# `npm ci` patches undici (scripts/patch-undici.mjs) and compiles dist/ (`prepare`); then only
# production dependencies stay.
RUN npm ci --no-audit --no-fund && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
RUN groupadd --gid 10001 trove && useradd --uid 10001 --gid 10001 --home-dir /var/cache/trove \
    --shell /usr/sbin/nologin trove && mkdir -p /var/cache/trove /etc/trove \
    && chown trove:trove /var/cache/trove
COPY --from=build /src/package.json /opt/trove/package.json
COPY --from=build /src/dist /opt/trove/dist
COPY --from=build /src/node_modules /opt/trove/node_modules
USER 10001:10001
WORKDIR /var/cache/trove
ENV NODE_ENV=production TROVE_CACHE_DIR=/var/cache/trove
VOLUME /var/cache/trove
EXPOSE 12345
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=10s --start-period=20s \
    CMD ["node", "/opt/trove/dist/cli/main.js", "health"]
ENTRYPOINT ["node", "/opt/trove/dist/cli/main.js"]
CMD ["serve"]
