#include "uri_options.hpp"

#include <mongoc/mongoc.h>
#include <strings.h>

namespace mongo_odm::core {

bool uri_option_is_known(const char *name) {
  if (mongoc_uri_option_is_int32(name) || mongoc_uri_option_is_int64(name) || mongoc_uri_option_is_bool(name) ||
      mongoc_uri_option_is_utf8(name)) {
    return true;
  }
  // Options of other value types, which libmongoc's typed lists leave out.
  static const char *const kOther[] = {"authMechanismProperties", "readPreferenceTags", "compressors",
                                       "readPreference", "w", "authMechanism", "authSource",
                                       // read by the library itself (client.cpp), not libmongoc 1.x
                                       "timeoutMS"};
  for (const char *other : kOther) {
    if (strcasecmp(name, other) == 0) return true;
  }
  return false;
}

}  // namespace mongo_odm::core
