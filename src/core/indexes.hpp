// Declared indexes (mongo_odm/index.h): index specifications, and their reconciliation with
// the indexes a collection has (listIndexes), written once for every binding.
//
// A specification is a createIndexes entry: {key: {field: direction, ...}, name, options...}
// (pymongo's IndexModel.document). ensure() lists the existing indexes, creates the declared
// ones whose name is not there (one createIndexes command), and refuses, before sending
// anything, a declared index whose name exists with other keys or options: Code::server with
// MongoDB's own codes for that conflict, 86 (IndexKeySpecsConflict, other keys) or 85
// (IndexOptionsConflict, other options), so that bindings report it as the server would
// (Python: OperationFailure), with a message that names the index and shows both versions.
#pragma once

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>

namespace mongo_odm::core {

class Collection;

namespace indexes {

// MongoDB's codes for an index that exists with the same name and other keys or options.
constexpr int32_t kIndexOptionsConflict = 85;
constexpr int32_t kIndexKeySpecsConflict = 86;

// Appends to `out` (initialized, empty) the checked specification {key, name, options...} of
// `keys` with `opts` (may be NULL; "name", "unique", "sparse", "expireAfterSeconds",
// "partialFilterExpression", ... passed on as given). Without "name" the name is pymongo's
// ("a_1_b_-1"). INVALID_ARGUMENT for empty keys, a direction that is neither a non-zero
// number nor a string, a "name" that is not a non-empty string, or a "key" option.
void make_spec(const bson_t *keys, const bson_t *opts, bson_t *out);

// The same for a whole specification {key: {...}, ...}.
void normalize_spec(const bson_t *spec, bson_t *out);

// Appends {"indexes": [...]} (listIndexes; none for a collection that does not exist).
void list(const Collection &coll, bson_t *reply);

// Creates the declared indexes that are missing (see above). Appends to `reply`
// {"created": [names], "existing": [names]} and, when something was sent,
// "command": the createIndexes command (also on failure, with the server's reply fields).
// n == 0 makes no server call.
void ensure(const Collection &coll, const bson_t *const *specs, size_t n, bson_t *reply);

}  // namespace indexes
}  // namespace mongo_odm::core
