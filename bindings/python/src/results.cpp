#include "results.hpp"

namespace mongo_odm_py {

namespace {

int64_t count_of(const bson_t *reply, const char *field) {
  bson_iter_t iter;
  if (bson_iter_init_find(&iter, reply, field) && BSON_ITER_HOLDS_NUMBER(&iter)) return bson_iter_as_int64(&iter);
  return 0;
}

}  // namespace

// raw_result in pymongo's shape, the update command's reply: {"n", ["upserted"], "nModified",
// "ok", "updatedExisting"} (libmongo_odm's reply has pymongo's result names: matchedCount, ...).
UpdateResult update_result_from(const bson_t *reply) {
  UpdateResult r;
  r.matched_count = count_of(reply, "matchedCount");
  r.modified_count = count_of(reply, "modifiedCount");
  bson_iter_t iter;
  r.upserted_id = bson_iter_init_find(&iter, reply, "upsertedId") ? decode_value(&iter) : py::none();
  const bool upserted = bson_iter_init_find(&iter, reply, "upsertedId");
  r.raw_result["n"] = r.matched_count + (upserted ? 1 : 0);
  if (upserted) r.raw_result["upserted"] = r.upserted_id;
  r.raw_result["nModified"] = r.modified_count;
  r.raw_result["ok"] = 1.0;
  r.raw_result["updatedExisting"] = !upserted && r.matched_count > 0;
  return r;
}

// raw_result in pymongo's shape: {"n": deleted, "ok": 1.0}.
DeleteResult delete_result_from(const bson_t *reply) {
  DeleteResult r;
  r.deleted_count = count_of(reply, "deletedCount");
  r.raw_result["n"] = r.deleted_count;
  r.raw_result["ok"] = 1.0;
  return r;
}

void init_results(py::module_ &m) {
  py::class_<InsertOneResult>(m, "InsertOneResult", "The result of insert_one (pymongo's InsertOneResult).")
      .def_readonly("inserted_id", &InsertOneResult::inserted_id)
      .def_property_readonly("acknowledged", [](const InsertOneResult &) { return true; })
      .def("__repr__", [](const InsertOneResult &r) {
        return "InsertOneResult(" + py::repr(r.inserted_id).cast<std::string>() + ", acknowledged=True)";
      });
  py::class_<InsertManyResult>(m, "InsertManyResult", "The result of insert_many (pymongo's InsertManyResult).")
      .def_readonly("inserted_ids", &InsertManyResult::inserted_ids)
      .def_property_readonly("acknowledged", [](const InsertManyResult &) { return true; })
      .def("__repr__", [](const InsertManyResult &r) {
        return "InsertManyResult(" + py::repr(r.inserted_ids).cast<std::string>() + ", acknowledged=True)";
      });
  py::class_<UpdateResult>(m, "UpdateResult", "The result of replace_one/update_one/update_many.")
      .def_readonly("raw_result", &UpdateResult::raw_result)
      .def_readonly("matched_count", &UpdateResult::matched_count)
      .def_readonly("modified_count", &UpdateResult::modified_count)
      .def_readonly("upserted_id", &UpdateResult::upserted_id)
      .def_property_readonly("did_upsert", [](const UpdateResult &r) { return !r.upserted_id.is_none(); })
      .def_property_readonly("acknowledged", [](const UpdateResult &) { return true; })
      .def("__repr__", [](const UpdateResult &r) {
        return "UpdateResult(matched_count=" + std::to_string(r.matched_count) +
               ", modified_count=" + std::to_string(r.modified_count) +
               ", upserted_id=" + py::repr(r.upserted_id).cast<std::string>() + ")";
      });
  py::class_<DeleteResult>(m, "DeleteResult", "The result of delete_one/delete_many.")
      .def_readonly("raw_result", &DeleteResult::raw_result)
      .def_readonly("deleted_count", &DeleteResult::deleted_count)
      .def_property_readonly("acknowledged", [](const DeleteResult &) { return true; })
      .def("__repr__", [](const DeleteResult &r) {
        return "DeleteResult(deleted_count=" + std::to_string(r.deleted_count) + ")";
      });
}

}  // namespace mongo_odm_py
