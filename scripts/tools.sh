#!/usr/bin/env bash
# tools.sh NAME: prints the path of the pinned version of a check tool,
# installing it first with `go install` from the module proxy. Each version
# lives in its own directory under $(go env GOPATH)/bin/.tools, so a second
# run is instant and a version bump never reuses a stale binary.
#
# The versions are pinned here and nowhere else; bumping one is a one-line
# change reviewed like any other.
set -euo pipefail

name=${1:?usage: scripts/tools.sh staticcheck|golangci-lint|govulncheck|gotestsum|indexdb}

case "$name" in
  staticcheck)   pkg=honnef.co/go/tools/cmd/staticcheck;                   version=v0.8.2 ;;
  # v2.15.0 is the newest golangci-lint v2 release on the proxy and builds
  # with Go 1.26.
  golangci-lint) pkg=github.com/golangci/golangci-lint/v2/cmd/golangci-lint; version=v2.15.0 ;;
  govulncheck)   pkg=golang.org/x/vuln/cmd/govulncheck;                     version=v1.10.0 ;;
  gotestsum)     pkg=gotest.tools/gotestsum;                                version=v1.13.0 ;;
  # indexdb builds govulncheck's database from the OSV files of the
  # golang.org/x/vulndb module (scripts/vulncheck.sh); the same pseudo-version
  # pins the database's contents.
  indexdb)       pkg=golang.org/x/vulndb/cmd/indexdb;                       version=$(sed -n 's/^VULNDB=//p' "$(dirname "$0")/vulncheck.sh") ;;
  *) echo "tools.sh: unknown tool $name" >&2; exit 2 ;;
esac

dir="$(go env GOPATH)/bin/.tools/$name@$version"
bin="$dir/$(basename "$pkg")"
if [ ! -x "$bin" ]; then
  echo "tools.sh: installing $pkg@$version" >&2
  mkdir -p "$dir"
  # GOFLAGS from the environment (-mod=vendor and the like) must not leak
  # into a tool's own module.
  GOBIN="$dir" GOFLAGS= go install "$pkg@$version" >&2
fi
echo "$bin"
