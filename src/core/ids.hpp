// Document ids: new ObjectIds, lightodm's composite ids and pair ids, and Python's str() of
// BSON values (the string forms composite ids hash).
#pragma once

#include <bson/bson.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mongo_odm::core {
namespace ids {

// A new ObjectId, 24 lowercase hex characters.
std::string new_object_id();
void new_object_id(char out[25]);

// md5 hex (32 lowercase characters) of `data`.
std::string md5_hex(std::string_view data);

// md5(values[0] + values[1] + ...). Throws Code::encoding on invalid UTF-8.
std::string composite_id(const std::vector<std::string_view> &values);

// md5 of "k1=v1&k2=v2" sorted by key, '%', '&', '=' escaped. Throws Code::invalid_argument
// for no pairs or a duplicate key, Code::encoding for invalid UTF-8.
std::string pair_id(std::vector<std::pair<std::string_view, std::string_view>> pairs);

// Appends Python's str() of `value` to `out`: int32/int64 in decimal, double as repr()
// (100.0, 2.5e-07, 1e+16, nan, inf), bool True/False, null None, strings as themselves,
// ObjectId in hex, datetime as str(datetime) of the naive UTC time, decimal128 as
// str(Decimal). Returns false for types without a defined string form (documents, arrays,
// binary, ...).
bool append_python_str(const bson_value_t &value, std::string &out);

// Python's repr() of a double.
std::string python_float_repr(double value);

}  // namespace ids
}  // namespace mongo_odm::core
