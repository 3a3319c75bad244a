// pymongo's result objects (InsertOneResult, ...), built from libmongo_odm's reply documents.
#pragma once

#include "common.hpp"

namespace mongo_odm_py {

struct InsertOneResult {
  py::object inserted_id;
};
struct InsertManyResult {
  py::list inserted_ids;
};
struct UpdateResult {
  py::dict raw_result;
  int64_t matched_count;
  int64_t modified_count;
  py::object upserted_id;
};
struct DeleteResult {
  py::dict raw_result;
  int64_t deleted_count;
};

UpdateResult update_result_from(const bson_t *reply);
DeleteResult delete_result_from(const bson_t *reply);

}  // namespace mongo_odm_py
