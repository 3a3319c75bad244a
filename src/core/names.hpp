// Validation of the names users pass in: database names, collection names, document keys.
#pragma once

#include <cstddef>

namespace mongo_odm::core {

// Each throws Code::invalid_argument (names) or Code::encoding (keys) with a clear message.
void check_database_name(const char *name);
void check_collection_name(const char *name);

// A document key: not NULL, not empty, valid UTF-8, not starting with '$'.
void check_key(const char *key);
void check_key(const char *key, size_t len);

// True for "id" and "_id", the two spellings of the document id.
bool is_id_key(const char *key);
inline bool is_id_key(const char *key, size_t len) {
  return (len == 2 && key[0] == 'i' && key[1] == 'd') || (len == 3 && key[0] == '_' && key[1] == 'i' && key[2] == 'd');
}

}  // namespace mongo_odm::core
