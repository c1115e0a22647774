// Package testenv is the test kit every package's tests share: Require
// for the external programs and files a test needs, and Clock, the one
// fake clock for anything with a TTL, a refill or a period.
//
// Require exists so that a missing tool means the same thing everywhere:
// on a developer's machine the test skips and says what to install; when
// the CI variable is set (.ci/run sets it), the test fails, because CI
// installs every tool and a skip there would hide a test that never ran.
// Production code never imports this package (internal/archtest checks
// that only tests do).
package testenv
