// pymongo-style keyword arguments -> MongoDB command options (BSON), for find, find_one,
// count_documents and aggregate. Unknown keyword arguments raise TypeError naming them, as
// pymongo does.
#pragma once

#include <initializer_list>

#include "common.hpp"

namespace mongo_odm_py {

// The keyword options, from one table (options.cpp) of keyword, alias, BSON name and check:
// find(filter=None, projection=None, *, sort, limit, skip, batch_size, max_time_ms, hint,
// comment, allow_disk_use): `args` are the positional arguments after the filter; `function`
// names the method in error messages.
void find_options(const char *function, py::args args, py::kwargs kwargs, bson_t *opts);

// aggregate(pipeline, *, allowDiskUse, batchSize, maxTimeMS, comment, hint).
void aggregate_options(py::kwargs kwargs, bson_t *opts);

// count_documents(filter, *, skip, limit, maxTimeMS, hint, comment).
void count_options(py::kwargs kwargs, bson_t *opts);

// The keyword options of the write methods, pymongo's names: which ones a method takes.
enum WriteOption : unsigned {
  kArrayFilters = 1u << 0,  // array_filters -> arrayFilters
  kHint = 1u << 1,          // hint -> hint (a name or keys)
  kCollation = 1u << 2,     // collation
  kLet = 1u << 3,           // let
  kComment = 1u << 4,       // comment
  kBypass = 1u << 5,        // bypass_document_validation -> bypassDocumentValidation
  kSession = 1u << 6,       // session: None only (sessions are not supported)
};
constexpr unsigned kUpdateOptions = kArrayFilters | kHint | kCollation | kLet | kComment | kBypass | kSession;
constexpr unsigned kReplaceOptions = kHint | kCollation | kLet | kComment | kBypass | kSession;
constexpr unsigned kDeleteOptions = kHint | kCollation | kLet | kComment | kSession;
constexpr unsigned kInsertOptions = kComment | kBypass | kSession;

// Appends the write options of `kwargs` that `allowed` names (None: not given); others are
// TypeError naming them, as pymongo's signatures do.
void write_options(const char *function, unsigned allowed, py::kwargs kwargs, bson_t *opts);

// The keyword options of find_one_and_* / distinct / estimated_document_count /
// create_indexes / drop_index: max_time_ms (or maxTimeMS), collation, comment, hint, let, and
// the names in `extra` (command option names passed as given, e.g. "commitQuorum"); session
// None only. Unknown names are TypeError.
void command_options(const char *function, py::kwargs kwargs, bson_t *opts, std::initializer_list<const char *> extra = {});

// A filter argument: None -> {}, a mapping -> itself, anything else -> {"_id": value}
// (find_one's rule) when `id_shorthand`, else TypeError.
void encode_filter(py::handle filter, bson_t *out, bool id_shorthand, const char *function);

// A pipeline (list of stage mappings) as {"pipeline": [...]}.
void encode_pipeline(py::handle pipeline, bson_t *out);

// Index keys: "field", [("a", 1), ("b", -1)], ("a", 1) or a mapping, into `out`.
void encode_index_keys(py::handle keys, bson_t *out, const char *what);

}  // namespace mongo_odm_py
