#include "names.hpp"

#include <cstring>
#include <string>

#include "bson_util.hpp"
#include "error.hpp"

namespace mongo_odm::core {

void check_database_name(const char *name) {
  if (!name) fail(Code::invalid_argument, "database name is NULL");
  const size_t len = std::strlen(name);
  if (len == 0) fail(Code::invalid_argument, "database name is empty");
  if (len >= 64) fail(Code::invalid_argument, "database name is longer than 63 bytes");
  if (!valid_utf8(name, len)) fail(Code::invalid_argument, "database name is not valid UTF-8");
  if (std::strpbrk(name, "/\\. \"$")) {
    fail(Code::invalid_argument, std::string("database name '") + name + "' contains one of / \\ . \" $ or a space");
  }
}

void check_collection_name(const char *name) {
  if (!name) fail(Code::invalid_argument, "collection name is NULL");
  const size_t len = std::strlen(name);
  if (len == 0) fail(Code::invalid_argument, "collection name is empty");
  if (!valid_utf8(name, len)) fail(Code::invalid_argument, "collection name is not valid UTF-8");
  if (std::strchr(name, '$')) {
    fail(Code::invalid_argument, std::string("collection name '") + name + "' contains '$'");
  }
  if (std::strncmp(name, "system.", 7) == 0) {
    fail(Code::invalid_argument, std::string("collection name '") + name + "' is reserved (system.)");
  }
}

void check_key(const char *key) {
  if (!key) fail(Code::invalid_argument, "key is NULL");
  check_key(key, std::strlen(key));
}

void check_key(const char *key, size_t len) {
  if (len == 0) fail(Code::encoding, "key is empty");
  if (!valid_utf8(key, len)) fail(Code::encoding, "key is not valid UTF-8");
  if (key[0] == '$') fail(Code::encoding, std::string("key '") + key + "' must not start with '$'");
}

bool is_id_key(const char *key) {
  return (key[0] == '_' && std::strcmp(key, "_id") == 0) || std::strcmp(key, "id") == 0;
}

}  // namespace mongo_odm::core
