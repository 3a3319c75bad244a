// The native collection: pymongo's Collection method names over libmongo_odm's raw
// collection operations.
#pragma once

#include <memory>
#include <string>

#include "common.hpp"

namespace mongo_odm_py {

struct PyCollection {
  std::unique_ptr<mongo_odm::Collection> coll;
  std::string name;
  std::string database_name;
  py::object database;  // the Python Database object it came from (None when made directly)
};

// A collection of `client` (a C client handle, borrowed for the call).
std::unique_ptr<PyCollection> make_collection(mongo_odm_client_t *client, const std::string &db, const std::string &name,
                                              py::object database);

}  // namespace mongo_odm_py
