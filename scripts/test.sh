#!/usr/bin/env bash
# test.sh [go test flags...]: go test -shuffle=on ./... through gotestsum,
# which prints one line per package, then a summary of every skipped test
# with the reason it gave (testenv.Require says which tool is missing), and
# closes with gotestsum's "DONE N tests, M skipped ..." line.
set -euo pipefail
cd "$(dirname "$0")/.."
gotestsum=$(scripts/tools.sh gotestsum)
exec "$gotestsum" --format pkgname --format-hide-empty-pkg -- -shuffle=on "$@" ./...
