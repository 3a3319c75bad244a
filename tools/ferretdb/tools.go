//go:build tools

// Package tools pins FerretDB, the MongoDB-compatible test server. Building its command from
// this module (instead of `go install`) skips FerretDB's own build-time version file check.
package tools

import _ "github.com/FerretDB/FerretDB/cmd/ferretdb"
