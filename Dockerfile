# syntax=docker/dockerfile:1
# weightinit: multi-stage build. Stage 1 installs dependencies (and checks the committed WebAssembly
# kernels and OpenAPI document are current); stage 2 is a slim runtime with production deps only.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# Plain-JS mirror of src/ (scripts/build-dist.mjs): bin/weightinit.js runs it without tsx's loader hooks.
RUN npm run build:dist && npm prune --omit=dev

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0
WORKDIR /app
# Only what the service needs at run time.
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/src ./src
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/bin ./bin
COPY --from=build --chown=node:node /app/openapi ./openapi
USER node
EXPOSE 8080
# No curl in the image: Node itself asks /readyz.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Node runs as PID 1 and handles SIGTERM/SIGINT itself (graceful drain in src/server.ts); --init in
# compose/k8s adds a reaper. Same command as `npm start` and the tests: bin/weightinit.js serve.
STOPSIGNAL SIGTERM
CMD ["node", "bin/weightinit.js", "serve"]
