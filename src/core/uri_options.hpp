// The URI option names libmongoc knows (mongo_odm_uri_option_is_known()).
#pragma once

namespace mongo_odm::core {

// True when libmongoc knows the URI option `name` (case-insensitive). `name` is not NULL.
bool uri_option_is_known(const char *name);

}  // namespace mongo_odm::core
