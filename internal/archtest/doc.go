// Package archtest holds no code: its tests guard the shape of the code
// base, so that a change to it is a visible, reviewed decision rather than
// drift.
//
//   - imports_test.go: the table of which packages may not import which,
//     each row with its reason (loaders never import pipeline stages,
//     config produces data, cmd talks to server only, pure packages do no
//     I/O, the AWS SDK stays in one package, production code never imports
//     testing);
//   - docs_test.go: exactly one package comment per directory, in doc.go;
//   - deps_test.go: the modules linked into the portcullis binary, compared
//     with testdata/deps.txt, each with the reason it is there (update with
//     go test ./internal/archtest -run TestDependencyInventory -update);
//   - citations_test.go: every docs/behaviour.md#… anchor cited in the code,
//     tests and docs exists, no citation of the retired numbered spec
//     remains, and every test docs/behaviour.md or docs/compatibility.md
//     names as pinning a rule exists.
package archtest
