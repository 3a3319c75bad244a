// mongo_odm/id.h
#include <string_view>
#include <vector>

#include "../core/ids.hpp"
#include "capi.hpp"

using mongo_odm::core::Code;
using mongo_odm::capi::guard;
using mongo_odm::core::require;

extern "C" {

void mongo_odm_generate_id(char out[25]) {
  if (out) mongo_odm::core::ids::new_object_id(out);
}

namespace {

// values[i] with lengths[i] bytes, or up to its NUL when `lengths` is NULL.
std::string_view view_of(const char *const *values, const size_t *lengths, size_t i) {
  return lengths ? std::string_view(values[i], lengths[i]) : std::string_view(values[i]);
}

}  // namespace

bool mongo_odm_generate_composite_id(const char *const *values, size_t n_values, char out[33],
                                     mongo_odm_error_t *error) {
  return mongo_odm_generate_composite_id_n(values, nullptr, n_values, out, error);
}

bool mongo_odm_generate_composite_id_n(const char *const *values, const size_t *lengths, size_t n_values,
                                       char out[33], mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    require(out, "out");
    if (n_values > 0) require(values, "values");
    std::vector<std::string_view> parts;
    parts.reserve(n_values);
    for (size_t i = 0; i < n_values; ++i) {
      if (!values[i]) mongo_odm::core::fail(Code::invalid_argument, "value " + std::to_string(i) + " is NULL");
      parts.push_back(view_of(values, lengths, i));
    }
    const std::string id = mongo_odm::core::ids::composite_id(parts);
    std::memcpy(out, id.c_str(), 33);
    return true;
  });
}

bool mongo_odm_generate_id_from_pairs(const char *const *keys, const char *const *values, size_t n_pairs,
                                      char out[33], mongo_odm_error_t *error) {
  return mongo_odm_generate_id_from_pairs_n(keys, nullptr, values, nullptr, n_pairs, out, error);
}

bool mongo_odm_generate_id_from_pairs_n(const char *const *keys, const size_t *key_lengths,
                                        const char *const *values, const size_t *value_lengths, size_t n_pairs,
                                        char out[33], mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    require(out, "out");
    if (n_pairs == 0) mongo_odm::core::fail(Code::invalid_argument, "pair id needs at least one key/value pair");
    require(keys, "keys");
    require(values, "values");
    std::vector<std::pair<std::string_view, std::string_view>> pairs;
    pairs.reserve(n_pairs);
    for (size_t i = 0; i < n_pairs; ++i) {
      if (!keys[i] || !values[i]) {
        mongo_odm::core::fail(Code::invalid_argument, "pair " + std::to_string(i) + " has a NULL key or value");
      }
      pairs.emplace_back(view_of(keys, key_lengths, i), view_of(values, value_lengths, i));
    }
    const std::string id = mongo_odm::core::ids::pair_id(std::move(pairs));
    std::memcpy(out, id.c_str(), 33);
    return true;
  });
}

bool mongo_odm_id_is_object_id(const char *str) { return str && bson_oid_is_valid(str, std::strlen(str)) && std::strlen(str) == 24; }

}  // extern "C"
