// The native collection: pymongo's Collection method names over libmongo_odm's raw
// collection operations (mongo_odm/collection.h). Arguments are encoded with the GIL held, the
// C call runs through blocking() (GIL released, interruptible), the reply is decoded after.
#pragma once

#include <memory>
#include <string>

#include "common.hpp"
#include "cursor.hpp"
#include "results.hpp"

namespace mongo_odm_py {

class PyCollection {
 public:
  // A collection of `client` (a C client handle, borrowed for the call); `database` is the
  // Python Database object it came from (None when made directly).
  // `codec`: the client's codec options (CodecScope), shared; null for the defaults.
  PyCollection(mongo_odm_client_t *client, const std::string &db, const std::string &name, py::object database,
               std::shared_ptr<const CodecOptions> codec = nullptr);
  const std::shared_ptr<const CodecOptions> &codec() const { return codec_; }

  const std::string &name() const { return name_; }
  const std::string &database_name() const { return database_name_; }
  std::string full_name() const { return database_name_ + "." + name_; }
  py::object database() const { return database_; }

  py::object find_one(py::object filter, py::args args, py::kwargs kwargs);
  // `self` is this collection's Python object, which the cursor keeps alive.
  std::unique_ptr<PyCursor> find(py::object self, py::object filter, py::args args, py::kwargs kwargs);
  // The coalesced find_one() calls of the async collection (mongo_odm/_async.py): every
  // document whose _id is one of `ids`, from one find({_id: {$in: ids}}), read to its end.
  py::list find_one_batch(py::list ids);
  InsertOneResult insert_one(py::object document, py::kwargs kwargs);
  InsertManyResult insert_many(py::object documents, bool ordered, py::kwargs kwargs);
  // insert_many of models straight from their values (MongoBaseModel.insert_many): `values`,
  // the instances' __dict__s, each encoded by encode_model_values with `names`; the inserted
  // ids are the id values. None, with nothing sent, when a dict's keys are not `names`.
  py::object insert_model_values(py::list values, py::tuple names);
  // `kwargs`: pymongo's keyword options of each method (write_options(), options.hpp).
  UpdateResult replace_one(py::object filter, py::object replacement, bool upsert, py::kwargs kwargs);
  UpdateResult update_one(py::object filter, py::object update, bool upsert, py::kwargs kwargs);
  UpdateResult update_many(py::object filter, py::object update, bool upsert, py::kwargs kwargs);
  DeleteResult delete_one(py::object filter, py::kwargs kwargs);
  DeleteResult delete_many(py::object filter, py::kwargs kwargs);
  int64_t count_documents(py::object filter, py::kwargs kwargs);
  std::unique_ptr<PyCursor> aggregate(py::object pipeline, py::kwargs kwargs);
  std::string create_index(py::object keys, py::kwargs kwargs);
  void drop();

  // For the garbage collector (see init_collection): the Database this collection holds.
  py::object &database_ref() { return database_; }
  // The C handle (borrowed), for the calls of features.cpp.
  mongo_odm_collection_t *handle() const { return coll_->get(); }

 private:
  mongo_odm_collection_t *raw() const { return coll_->get(); }
  UpdateResult update(const char *function, py::object filter, py::object update, bool upsert, py::kwargs kwargs,
                      bool many);
  DeleteResult remove(const char *function, py::object filter, py::kwargs kwargs, bool many);

  std::unique_ptr<mongo_odm::Collection> coll_;
  std::string name_;
  std::string database_name_;
  py::object database_;
  std::shared_ptr<const CodecOptions> codec_;
};

}  // namespace mongo_odm_py
