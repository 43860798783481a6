# NHI Hub: one image for the hub and for worker instances (NHI_MODE=worker).
#
#   pnpm --filter @nhi/hub build                 # the production server, apps/hub/.output
#   docker build -t nhi-hub .                    # or podman build --format docker (keeps HEALTHCHECK)
#
# The server build is self-contained: nitro bundles the code and copies the few packages it cannot
# bundle (native argon2, PGlite's WebAssembly, the AWS action catalogue) into its own node_modules.
# So the image installs nothing: it takes that output and the migrations beside Node, and
# .dockerignore lets nothing else into the build context (no sources, tests, dev dependencies or
# .env files). The base is an argument so the same file builds from the public Node image or, on a
# machine without a registry, from deploy/local-images.sh's localhost/nhi-node-base:22.
ARG BASE=docker.io/library/node:22-bookworm-slim

# Stage 1: what the server reads at run time, in the layout it expects (migrations are found by
# walking up from the working directory to prisma/migrations).
FROM scratch AS server
COPY apps/hub/.output/ /app/.output/
COPY prisma/migrations/ /app/prisma/migrations/

# Stage 2: Node and the server, owned by root and read-only to the user that runs it.
FROM ${BASE}
COPY --from=server /app/ /app/
# The one writable place: the embedded database, the signing keys it keeps, the first admin's
# password file. Made with Node, not a shell: distroless and scratch bases have none.
RUN ["node", "-e", "const fs = require('node:fs'); fs.mkdirSync('/data', { recursive: true }); fs.chownSync('/data', 10001, 10001); fs.chmodSync('/data', 0o700)"]
VOLUME /data
WORKDIR /app
# A numeric user, so Kubernetes' runAsNonRoot can verify it without a passwd entry.
USER 10001:10001
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    NHI_DATA_DIR=/data
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node runs as PID 1 and handles SIGTERM itself: the hub stops taking requests, drains the ones in
# flight, stops its jobs and closes the database before it exits (10 s at most).
STOPSIGNAL SIGTERM
CMD ["node", ".output/server/index.mjs"]
