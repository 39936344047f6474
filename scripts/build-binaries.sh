#!/usr/bin/env bash
# Builds the real components the tests run against, from the Go module proxy, into a cache
# outside the repository keyed by version. Idempotent: a binary already built is kept.
#
#   kube-apiserver, kube-controller-manager, kube-scheduler
#                   k8s.io/kubernetes (wrapper modules, staging modules pinned to v0.<minor>.<patch>)
#   kwok            sigs.k8s.io/kwok/cmd/kwok (simulated nodes: plays kubelet, Pods become Running)
#   etcd            go.etcd.io/etcd/server/v3 (wrapper module calling etcdmain)
#   registry        github.com/distribution/distribution/v3/cmd/registry (v3 paginates tags)
#   kustomize       sigs.k8s.io/kustomize/kustomize/v5 (the controller runs it for kustomization roots;
#                   the image builds the same version in a stage of its own)
#   gitea           code.gitea.io/gitea (a real forge for the pull-request tests: Git over HTTP, the PR API,
#                   push webhooks). CGO (gcc) for SQLite; the module directory stays in build/gitea-<version>
#                   because the server reads options/ (locale, templates) from it (STATIC_ROOT_PATH).
#   crane           github.com/google/go-containerregistry/cmd/crane (benchmark peer only; --with-bench)
#   source-controller, kustomize-controller
#                   github.com/fluxcd/{source,kustomize}-controller (Flux v2, the benchmark's sync peer;
#                   --with-bench only, CRDs from the module's config/crd/bases into <name>-<version>-crds/;
#                   a failed build only warns: 11-26 min cold, and nothing but `npm run bench` needs them)
#
# Environment: TAGPILOT_CACHE (default ~/.cache/tagpilot), GOFLAGS/GOPROXY as usual.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.34.4}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
REGISTRY_VERSION="${REGISTRY_VERSION:-v3.0.0}"
CRANE_VERSION="${CRANE_VERSION:-v0.22.1}"
KWOK_VERSION="${KWOK_VERSION:-v0.7.0}"
# Keep in step with the Dockerfile's kustomize stage.
KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.0}"
# v1.9.4+ need github.com/fluxcd/pkg/artifact versions the proxy refuses (403); v1.10 needs Go 1.27.
GITEA_VERSION="${GITEA_VERSION:-v1.26.0}"
SOURCE_CONTROLLER_VERSION="${SOURCE_CONTROLLER_VERSION:-v1.9.3}"
KUSTOMIZE_CONTROLLER_VERSION="${KUSTOMIZE_CONTROLLER_VERSION:-v1.9.6}"

CACHE="${TAGPILOT_CACHE:-$HOME/.cache/tagpilot}"
BIN="$CACHE/bin"
WORK="$CACHE/build"
mkdir -p "$BIN" "$WORK"
export GOFLAGS="${GOFLAGS:--buildvcs=false} -trimpath"
export CGO_ENABLED=0

log() { printf '[build-binaries] %s\n' "$*" >&2; }

# build_wrapper NAME OUT MODULE_DIR: go mod tidy + go build in a generated wrapper module.
build_in() {
  local dir=$1 out=$2
  (cd "$dir" && go mod tidy >/dev/null && go build -ldflags='-s -w' -o "$out.tmp" . && mv "$out.tmp" "$out")
}

# build_kube NAME: one Kubernetes component (kube-apiserver, kube-controller-manager,
# kube-scheduler) from k8s.io/kubernetes through a generated wrapper module.
build_kube() {
  local name=$1
  local out="$BIN/$name-$KUBE_VERSION"
  [[ -x $out ]] && return 0
  log "building $name $KUBE_VERSION (first run only; several minutes)"
  local dir="$WORK/$name-$KUBE_VERSION"
  rm -rf "$dir" && mkdir -p "$dir"
  local staging="v0.${KUBE_VERSION#v1.}"
  # The staging modules k8s.io/<x> are replaced by local paths in k8s.io/kubernetes' own go.mod;
  # a consumer must pin each of them to the published v0.<minor>.<patch> instead.
  local gomod
  gomod=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')
  {
    echo "module tagpilot.local/$name"
    echo
    echo "go 1.24"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    grep -oE '^[[:space:]]*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$gomod" |
      awk -v v="$staging" '{ print "replace " $1 " => " $1 " " v }'
  } >"$dir/go.mod"
  local command
  case $name in
    kube-apiserver) command=NewAPIServerCommand ;;
    kube-controller-manager) command=NewControllerManagerCommand ;;
    kube-scheduler) command=NewSchedulerCommand ;;
    *) log "unknown Kubernetes component $name"; return 1 ;;
  esac
  cat >"$dir/main.go" <<EOF
// Command $name is the upstream $name main, built from the module proxy.
package main

import (
	"os"
	_ "time/tzdata"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	"k8s.io/kubernetes/cmd/$name/app"
)

func main() {
	os.Exit(cli.Run(app.$command()))
}
EOF
  build_in "$dir" "$out"
}

build_etcd() {
  local out="$BIN/etcd-$ETCD_VERSION"
  [[ -x $out ]] && return 0
  log "building etcd $ETCD_VERSION"
  local dir="$WORK/etcd-$ETCD_VERSION"
  rm -rf "$dir" && mkdir -p "$dir"
  printf 'module tagpilot.local/etcd\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$dir/go.mod"
  cat >"$dir/main.go" <<'EOF'
// Command etcd is the upstream etcd main, built from the module proxy.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
EOF
  build_in "$dir" "$out"
}

go_install_to() {
  local pkg=$1 version=$2 out=$3
  # go install names a binary after the last path element that is not a major version (/v5).
  local name
  name=$(basename "$pkg")
  [[ $name =~ ^v[0-9]+$ ]] && name=$(basename "$(dirname "$pkg")")
  [[ -x $out ]] && return 0
  log "building $pkg@$version"
  local gobin="$WORK/gobin-$(basename "$out")"
  GOBIN="$gobin" go install -ldflags='-s -w' "$pkg@$version"
  mv "$gobin/$name" "$out"
  rm -rf "$gobin"
}

# build_flux NAME VERSION: a Flux controller (github.com/fluxcd/NAME) and its CRDs. Its go.mod
# replaces its own api module with ./api, so `go install pkg@version` refuses it: copy the module
# out of the module cache, drop that replace (the published api module of the same version is
# used instead) and build there.
build_flux() {
  local name=$1 version=$2
  local out="$BIN/$name-$version" crds="$BIN/$name-$version-crds"
  if [[ -x $out && -d $crds ]]; then return 0; fi
  log "building $name $version (first run only; 5-15 minutes)"
  local module="github.com/fluxcd/$name" dir="$WORK/$name-$version" source
  source=$(cd "$WORK" && go mod download -json "$module@$version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n $source && -d $source ]] || { log "go mod download $module@$version gave no directory"; return 1; }
  # Every step says `|| return 1`: the caller runs this where `set -e` does not apply.
  rm -rf "$dir" && cp -r "$source" "$dir" && chmod -R u+w "$dir" || return 1
  (cd "$dir" && go mod edit -dropreplace "$module/api" && go mod tidy >/dev/null &&
    go build -ldflags='-s -w' -o "$out.tmp" . && mv "$out.tmp" "$out") || return 1
  rm -rf "$crds.tmp" && mkdir -p "$crds.tmp" && cp "$dir"/config/crd/bases/*.yaml "$crds.tmp/" || return 1
  rm -rf "$crds" && mv "$crds.tmp" "$crds"
}

# build_gitea: the module copied out of the module cache (its replaces all point at remote modules,
# so its own go.mod builds), CGO on for this build only (mattn/go-sqlite3 needs gcc). The copy is
# kept: test/support/gitea.ts points STATIC_ROOT_PATH at it.
build_gitea() {
  local out="$BIN/gitea-$GITEA_VERSION" dir="$WORK/gitea-$GITEA_VERSION"
  if [[ -x $out && -d $dir/options ]]; then return 0; fi
  command -v gcc >/dev/null || { log "gcc is required to build gitea (CGO, SQLite)"; return 1; }
  log "building gitea $GITEA_VERSION (first run only; 6-10 minutes)"
  local source
  source=$(cd "$WORK" && go mod download -json "code.gitea.io/gitea@$GITEA_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n $source && -d $source ]] || { log "go mod download code.gitea.io/gitea@$GITEA_VERSION gave no directory"; return 1; }
  if [[ ! -d $dir/options ]]; then rm -rf "$dir" && cp -r "$source" "$dir" && chmod -R u+w "$dir"; fi
  (cd "$dir" && CGO_ENABLED=1 go build -tags 'sqlite sqlite_unlock_notify' -ldflags='-s -w' -o "$out.tmp" . &&
    mv "$out.tmp" "$out")
}

# build_flux_for_bench NAME VERSION: build_flux, a warning instead of a failure, and stable names.
build_flux_for_bench() {
  local name=$1 version=$2
  if ! (build_flux "$name" "$version"); then
    log "WARNING: $name $version did not build; the bench's Flux rows will say so (see above)"
    return 0
  fi
  ln -sfn "$name-$version" "$BIN/$name"
  ln -sfn "$name-$version-crds" "$BIN/$name-crds"
}

main() {
  local with_bench=false
  [[ ${1:-} == --with-bench ]] && with_bench=true
  command -v go >/dev/null || { log "Go is required (go 1.24 or newer on PATH)"; exit 1; }
  build_etcd
  go_install_to github.com/distribution/distribution/v3/cmd/registry "$REGISTRY_VERSION" "$BIN/registry-$REGISTRY_VERSION"
  build_kube kube-apiserver
  # Controllers and a scheduler make Deployments roll out; kwok plays kubelet for simulated nodes.
  build_kube kube-controller-manager
  build_kube kube-scheduler
  go_install_to sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION" "$BIN/kwok-$KWOK_VERSION"
  go_install_to sigs.k8s.io/kustomize/kustomize/v5 "$KUSTOMIZE_VERSION" "$BIN/kustomize-$KUSTOMIZE_VERSION"
  build_gitea
  if $with_bench; then
    go_install_to github.com/google/go-containerregistry/cmd/crane "$CRANE_VERSION" "$BIN/crane-$CRANE_VERSION"
    build_flux_for_bench source-controller "$SOURCE_CONTROLLER_VERSION"
    build_flux_for_bench kustomize-controller "$KUSTOMIZE_CONTROLLER_VERSION"
  fi
  # Stable names for the test support; the versioned files are the cache.
  ln -sf "kube-apiserver-$KUBE_VERSION" "$BIN/kube-apiserver"
  ln -sf "kube-controller-manager-$KUBE_VERSION" "$BIN/kube-controller-manager"
  ln -sf "kube-scheduler-$KUBE_VERSION" "$BIN/kube-scheduler"
  ln -sf "kwok-$KWOK_VERSION" "$BIN/kwok"
  ln -sf "kustomize-$KUSTOMIZE_VERSION" "$BIN/kustomize"
  ln -sf "etcd-$ETCD_VERSION" "$BIN/etcd"
  ln -sf "gitea-$GITEA_VERSION" "$BIN/gitea"
  ln -sf "registry-$REGISTRY_VERSION" "$BIN/registry"
  $with_bench && ln -sf "crane-$CRANE_VERSION" "$BIN/crane"
  log "binaries ready in $BIN"
}

main "$@"
