#!/usr/bin/env bash
# Installs everything tagpilot's tests and demo need, idempotently; a second run takes seconds.
#   - Debian packages (git, openssl, openssh-server for the SSH Git tests, gnupg for the signed-commit
#     tests, gcc for Gitea's CGO build; skopeo with --with-bench) via apt-get, only when missing
#   - npm dependencies (`npm ci`), including Node.js 24 from the npm registry (`node`
#     devDependency), only when package-lock.json changed
#   - kube-apiserver, kube-controller-manager, kube-scheduler, kwok, etcd and the distribution
#     registry, built from the Go module proxy into
#     ${TAGPILOT_CACHE:-~/.cache/tagpilot}/bin (crane too with --with-bench)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }
with_bench=false
[[ ${1:-} == --with-bench ]] && with_bench=true

packages=(git openssl ca-certificates openssh-server openssh-client gnupg gcc libc6-dev)
$with_bench && packages+=(skopeo)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]} > 0)); then
  log "installing Debian packages: ${missing[*]}"
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Gitea (the pull-request tests' forge) refuses to run as root: the tests start it as this user.
if [[ $(id -u) -eq 0 ]] && ! id -u tagpilot-gitea >/dev/null 2>&1; then
  log "adding the system user tagpilot-gitea (runs Gitea in the tests)"
  useradd --system --user-group --no-create-home --shell /usr/sbin/nologin tagpilot-gitea
fi

if ! command -v go >/dev/null && [[ -x /usr/local/go/bin/go ]]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null || { log "Go (1.24 or newer) must be on PATH to build the test servers"; exit 1; }

# npm ci only when package-lock.json changed since the last install.
stamp=node_modules/.tagpilot-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" || ! -x node_modules/.bin/node ]]; then
  log "installing npm dependencies (Node.js 24 comes from the npm package 'node')"
  # `npm ci`: exactly the locked versions, and the lock file is never rewritten (it lists every
  # platform's optional packages, e.g. biome's CLI binaries, so it is complete everywhere).
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

if $with_bench; then bash scripts/build-binaries.sh --with-bench; else bash scripts/build-binaries.sh; fi
log "ready: node $(node_modules/.bin/node --version), binaries in ${TAGPILOT_CACHE:-$HOME/.cache/tagpilot}/bin"
