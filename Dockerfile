# syntax=docker/dockerfile:1
# tagpilot controller image: Node.js 24 runs the TypeScript sources directly (type stripping),
# production dependencies only, non-root, no git binary (isomorphic-git does Git in-process).

FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=dev drops the test toolchain, including the `node` npm package the repo uses to bring
# Node 24 onto machines that have an older one; the base image already is Node 24.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# kustomize for GitSync paths with a kustomization.yaml (README "Kustomize"); the same version as
# scripts/build-binaries.sh builds for the tests.
FROM golang:1.26-bookworm AS kustomize
RUN CGO_ENABLED=0 GOBIN=/out go install -trimpath -ldflags='-s -w' sigs.k8s.io/kustomize/kustomize/v5@v5.8.0

FROM node:24-bookworm-slim
ENV NODE_ENV=production
# Fetches and large parses run in worker threads, each of which gets malloc arenas of its own that
# glibc rarely gives back; two arenas keep the resident set ~10-20 MiB lower after the first worker.
ENV MALLOC_ARENA_MAX=2
# Setting the trim threshold (to glibc's default of 128 KiB) turns off glibc's dynamic thresholds,
# which otherwise rise after large blocks are freed (up to 32 MiB mmap / 64 MiB trim on 64-bit), so
# that freed memory at the top of a heap and large blocks go back to the system instead of staying
# resident: the rss bench's median went from 143 to 136 MB (README "Memory").
ENV MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=kustomize /out/kustomize /usr/local/bin/kustomize
COPY package.json ./
COPY controller ./controller
COPY registry ./registry
COPY crds ./crds
COPY scripts/warm-compile-cache.ts ./scripts/
# Node's compile cache, filled now (README "Memory"): the controller then starts without stripping
# TypeScript or compiling JavaScript, which keeps the type stripper (~20-25 MiB resident) out of the
# process. Node keys the cache by its version, the V8 flags and the user id, so it is filled with the
# ENTRYPOINT's flags as the user the controller runs as; the directory is read-only at run time
# (readOnlyRootFilesystem), which Node accepts silently.
ENV NODE_COMPILE_CACHE=/app/.node-compile-cache
RUN find controller registry -name '*.test.ts' -delete && rm -rf controller/*/testdata \
  && mkdir .node-compile-cache && chown 65532:65532 .node-compile-cache
USER 65532:65532
RUN ["node", "--max-semi-space-size=1", "--optimize-for-size", "scripts/warm-compile-cache.ts"]
EXPOSE 8080
# --max-semi-space-size=1 (MiB): V8's young generation grows to 16 MiB semi-spaces by default and
# keeps them; loading @kubernetes/client-node alone then leaves ~30 MiB more resident. The controller
# is I/O-bound, so smaller, more frequent scavenges cost little. --optimize-for-size: smaller heap and
# code over speed, ~20 MB less RSS at the rss bench's load (README "Memory"). The same flags are
# in the `tagpilot` shebang, in the RUN that fills the compile cache above, and are what
# test/support/controller-process.ts starts the controller with (test/controller/node-flags.test.ts).
ENTRYPOINT ["node", "--max-semi-space-size=1", "--optimize-for-size", "/app/controller/cli/main.ts"]
CMD ["controller"]
