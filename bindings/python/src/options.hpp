// pymongo-style keyword arguments -> MongoDB command options (BSON), for find, find_one,
// count_documents and aggregate. Unknown keyword arguments raise TypeError naming them, as
// pymongo does.
#pragma once

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

// A filter argument: None -> {}, a mapping -> itself, anything else -> {"_id": value}
// (find_one's rule) when `id_shorthand`, else TypeError.
void encode_filter(py::handle filter, bson_t *out, bool id_shorthand, const char *function);

// A pipeline (list of stage mappings) as {"pipeline": [...]}.
void encode_pipeline(py::handle pipeline, bson_t *out);

// Index keys: "field", [("a", 1), ("b", -1)], ("a", 1) or a mapping, into `out`.
void encode_index_keys(py::handle keys, bson_t *out, const char *what);

}  // namespace mongo_odm_py
