# syntax=docker/dockerfile:1
# tagpilot controller image: Node.js 24 runs the TypeScript sources directly (type stripping),
# production dependencies only, non-root, no git binary (isomorphic-git does Git in-process).

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev drops the test toolchain, including the `node` npm package the repo uses to bring
# Node 24 onto machines that have an older one; the base image already is Node 24.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY controller ./controller
COPY registry ./registry
COPY crds ./crds
RUN find controller registry -name '*.test.ts' -delete && rm -rf controller/*/testdata
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["node", "/app/controller/cli/main.ts"]
CMD ["controller"]
