// Package redistest runs a throwaway redis-server for integration tests of
// the packages that share state through Redis. It starts the real Debian
// redis-server binary on a free 127.0.0.1 port with persistence off, in a
// temporary directory, and stops it when the test ends.
//
// A missing binary is testenv.Require's business: the test skips, or
// fails when CI is set.
// PORTCULLIS_TEST_REDIS_SERVER=valkey-server runs the same tests against
// Valkey. Cluster and Sentinel helpers start those topologies from the same
// binary (redis-cli joins the cluster).
package redistest
