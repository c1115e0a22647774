// Package archtest holds no code: its test guards the shape of the
// codebase — one package comment per package, the pure stages free of
// server and AWS SDK code, the AWS SDK confined to the remote-Lambda
// package, and no production package importing testing.
package archtest
