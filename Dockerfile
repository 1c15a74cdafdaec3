# syntax=docker/dockerfile:1
# cellgraph: compiled dist/ on the current Node LTS, production dependencies only, non-root, node as PID 1.
# Build:  docker build -t cellgraph .      Run: see README "Deploy".

# --- build: every dependency (typescript, vite), then tsc src/ -> dist/ and the dashboard -> dist/dashboard ---------
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY dashboard ./dashboard
RUN npm run build

# --- deps: production dependencies only (no tsx, typescript, vitest, codegen) ---------------------------------------
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime --------------------------------------------------------------------------------------------------------
FROM node:24-slim
ENV NODE_ENV=production \
    CELLGRAPH_HOST=0.0.0.0 \
    CELLGRAPH_PORT=4000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The image's unprivileged user (uid 1000); nothing in /app is writable by it, and nothing needs to be.
USER node
EXPOSE 4000
# node is PID 1 and handles SIGTERM itself (drain, SHUTDOWN to subscribers, exit 0): exec form, no shell or npm between.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.CELLGRAPH_PORT||4000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/main.js", "serve"]
