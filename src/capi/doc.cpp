// mongo_odm/doc.h
#include "../core/bson_util.hpp"
#include "../core/names.hpp"
#include "capi.hpp"

using mongo_odm::core::Code;
using mongo_odm::capi::guard;
using mongo_odm::core::require;

namespace {

mongo_odm::core::Document &doc_of(mongo_odm_doc_t *doc) {
  require(doc, "doc");
  return *unwrap(doc);
}

// Every typed setter: checks its arguments, builds a bson_value_t, then Document::set.
template <typename Fill>
bool set_with(mongo_odm_doc_t *doc, const char *key, mongo_odm_error_t *error, Fill &&fill) {
  return guard(error, false, [&] {
    auto &d = doc_of(doc);
    require(key, "key");
    bson_value_t value;
    std::memset(&value, 0, sizeof value);
    fill(value);
    d.set(key, value);
    return true;
  });
}

}  // namespace

extern "C" {

mongo_odm_doc_t *mongo_odm_doc_new(const mongo_odm_model_t *model) {
  if (!model) return nullptr;
  return mongo_odm::capi::quiet(static_cast<mongo_odm_doc_t *>(nullptr),
                                [&] { return wrap(new mongo_odm::core::Document(unwrap(model))); });
}

mongo_odm_doc_t *mongo_odm_doc_from_bson(const mongo_odm_model_t *model, const bson_t *bson,
                                         mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_doc_t *>(nullptr), [&] {
    require(model, "model");
    require(bson, "bson");
    auto doc = std::make_unique<mongo_odm::core::Document>(unwrap(model), mongo_odm::core::Document::no_id);
    doc->load(bson, /*untrusted=*/true);
    return wrap(doc.release());
  });
}

mongo_odm_doc_t *mongo_odm_doc_copy(const mongo_odm_doc_t *doc) {
  if (!doc) return nullptr;
  return mongo_odm::capi::quiet(static_cast<mongo_odm_doc_t *>(nullptr),
                                [&] { return wrap(new mongo_odm::core::Document(*unwrap(doc))); });
}

void mongo_odm_doc_destroy(mongo_odm_doc_t *doc) { delete unwrap(doc); }

const mongo_odm_model_t *mongo_odm_doc_model(const mongo_odm_doc_t *doc) {
  return doc ? wrap(unwrap(doc)->model()) : nullptr;
}

const char *mongo_odm_doc_id(const mongo_odm_doc_t *doc) {
  if (!doc) return nullptr;
  return mongo_odm::capi::quiet(static_cast<const char *>(nullptr), [&] { return unwrap(doc)->id_string(); });
}

bool mongo_odm_doc_set_id(mongo_odm_doc_t *doc, const char *id, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    auto &d = doc_of(doc);
    if (id) {
      d.set_string_id(id, std::strlen(id));
    } else {
      d.clear_id();
    }
    return true;
  });
}

bool mongo_odm_doc_set_utf8(mongo_odm_doc_t *doc, const char *key, const char *value, mongo_odm_error_t *error) {
  return set_with(doc, key, error, [&](bson_value_t &v) {
    require(value, "value");
    v.value_type = BSON_TYPE_UTF8;
    v.value.v_utf8.str = const_cast<char *>(value);
    v.value.v_utf8.len = static_cast<uint32_t>(std::strlen(value));
  });
}

bool mongo_odm_doc_set_int32(mongo_odm_doc_t *doc, const char *key, int32_t value, mongo_odm_error_t *error) {
  return set_with(doc, key, error, [&](bson_value_t &v) {
    v.value_type = BSON_TYPE_INT32;
    v.value.v_int32 = value;
  });
}

bool mongo_odm_doc_set_int64(mongo_odm_doc_t *doc, const char *key, int64_t value, mongo_odm_error_t *error) {
  return set_with(doc, key, error, [&](bson_value_t &v) {
    v.value_type = BSON_TYPE_INT64;
    v.value.v_int64 = value;
  });
}

bool mongo_odm_doc_set_double(mongo_odm_doc_t *doc, const char *key, double value, mongo_odm_error_t *error) {
  return set_with(doc, key, error, [&](bson_value_t &v) {
    v.value_type = BSON_TYPE_DOUBLE;
    v.value.v_double = value;
  });
}

bool mongo_odm_doc_set_bool(mongo_odm_doc_t *doc, const char *key, bool value, mongo_odm_error_t *error) {
  return set_with(doc, key, error, [&](bson_value_t &v) {
    v.value_type = BSON_TYPE_BOOL;
    v.value.v_bool = value;
  });
}

bool mongo_odm_doc_set_null(mongo_odm_doc_t *doc, const char *key, mongo_odm_error_t *error) {
  return set_with(doc, key, error, [&](bson_value_t &v) { v.value_type = BSON_TYPE_NULL; });
}

bool mongo_odm_doc_set_datetime(mongo_odm_doc_t *doc, const char *key, int64_t ms_since_epoch,
                                mongo_odm_error_t *error) {
  return set_with(doc, key, error, [&](bson_value_t &v) {
    v.value_type = BSON_TYPE_DATE_TIME;
    v.value.v_datetime = ms_since_epoch;
  });
}

static void fill_embedded(bson_value_t &v, const bson_t *value, bson_type_t type) {
  require(value, "value");
  v.value_type = type;
  v.value.v_doc.data = const_cast<uint8_t *>(bson_get_data(value));
  v.value.v_doc.data_len = value->len;
}

bool mongo_odm_doc_set_document(mongo_odm_doc_t *doc, const char *key, const bson_t *value,
                                mongo_odm_error_t *error) {
  return set_with(doc, key, error, [&](bson_value_t &v) { fill_embedded(v, value, BSON_TYPE_DOCUMENT); });
}

bool mongo_odm_doc_set_array(mongo_odm_doc_t *doc, const char *key, const bson_t *value, mongo_odm_error_t *error) {
  return set_with(doc, key, error, [&](bson_value_t &v) { fill_embedded(v, value, BSON_TYPE_ARRAY); });
}

bool mongo_odm_doc_set_value(mongo_odm_doc_t *doc, const char *key, const bson_value_t *value,
                             mongo_odm_error_t *error) {
  return set_with(doc, key, error, [&](bson_value_t &v) {
    require(value, "value");
    v = *value;
  });
}

bool mongo_odm_doc_set_oid(mongo_odm_doc_t *doc, const char *key, const bson_oid_t *value,
                           mongo_odm_error_t *error) {
  return set_with(doc, key, error, [&](bson_value_t &v) {
    require(value, "value");
    v.value_type = BSON_TYPE_OID;
    bson_oid_copy(value, &v.value.v_oid);
  });
}

bool mongo_odm_doc_set_binary(mongo_odm_doc_t *doc, const char *key, bson_subtype_t subtype, const uint8_t *data,
                              uint32_t len, mongo_odm_error_t *error) {
  static const uint8_t no_bytes[1] = {0};
  return set_with(doc, key, error, [&](bson_value_t &v) {
    if (len > 0) require(data, "data");
    v.value_type = BSON_TYPE_BINARY;
    v.value.v_binary.subtype = subtype;
    v.value.v_binary.data = const_cast<uint8_t *>(data ? data : no_bytes);
    v.value.v_binary.data_len = len;
  });
}

bool mongo_odm_doc_set_decimal128(mongo_odm_doc_t *doc, const char *key, const bson_decimal128_t *value,
                                  mongo_odm_error_t *error) {
  return set_with(doc, key, error, [&](bson_value_t &v) {
    require(value, "value");
    v.value_type = BSON_TYPE_DECIMAL128;
    v.value.v_decimal128 = *value;
  });
}

bool mongo_odm_doc_has(const mongo_odm_doc_t *doc, const char *key) {
  if (!doc || !key) return false;
  return mongo_odm::capi::quiet(false, [&] { return unwrap(doc)->has(key); });
}

bool mongo_odm_doc_is_extra(const mongo_odm_doc_t *doc, const char *key) {
  if (!doc || !key) return false;
  return mongo_odm::capi::quiet(false, [&] { return unwrap(doc)->is_extra(key); });
}

const bson_value_t *mongo_odm_doc_get(const mongo_odm_doc_t *doc, const char *key) {
  if (!doc || !key) return nullptr;
  return mongo_odm::capi::quiet(static_cast<const bson_value_t *>(nullptr), [&] { return unwrap(doc)->get(key); });
}

const char *mongo_odm_doc_get_utf8(const mongo_odm_doc_t *doc, const char *key) {
  const bson_value_t *v = mongo_odm_doc_get(doc, key);
  return (v && v->value_type == BSON_TYPE_UTF8) ? v->value.v_utf8.str : nullptr;
}

bool mongo_odm_doc_get_int32(const mongo_odm_doc_t *doc, const char *key, int32_t *out) {
  const bson_value_t *v = mongo_odm_doc_get(doc, key);
  if (!out || !v || v->value_type != BSON_TYPE_INT32) return false;
  *out = v->value.v_int32;
  return true;
}

bool mongo_odm_doc_get_int64(const mongo_odm_doc_t *doc, const char *key, int64_t *out) {
  const bson_value_t *v = mongo_odm_doc_get(doc, key);
  if (!out || !v) return false;
  if (v->value_type == BSON_TYPE_INT64) {
    *out = v->value.v_int64;
  } else if (v->value_type == BSON_TYPE_INT32) {
    *out = v->value.v_int32;
  } else {
    return false;
  }
  return true;
}

bool mongo_odm_doc_get_double(const mongo_odm_doc_t *doc, const char *key, double *out) {
  const bson_value_t *v = mongo_odm_doc_get(doc, key);
  if (!out || !v) return false;
  switch (v->value_type) {
    case BSON_TYPE_DOUBLE: *out = v->value.v_double; return true;
    case BSON_TYPE_INT32: *out = v->value.v_int32; return true;
    case BSON_TYPE_INT64: *out = static_cast<double>(v->value.v_int64); return true;
    default: return false;
  }
}

bool mongo_odm_doc_get_bool(const mongo_odm_doc_t *doc, const char *key, bool *out) {
  const bson_value_t *v = mongo_odm_doc_get(doc, key);
  if (!out || !v || v->value_type != BSON_TYPE_BOOL) return false;
  *out = v->value.v_bool;
  return true;
}

bool mongo_odm_doc_get_datetime(const mongo_odm_doc_t *doc, const char *key, int64_t *out) {
  const bson_value_t *v = mongo_odm_doc_get(doc, key);
  if (!out || !v || v->value_type != BSON_TYPE_DATE_TIME) return false;
  *out = v->value.v_datetime;
  return true;
}

static bool get_embedded(const mongo_odm_doc_t *doc, const char *key, bson_t *out, bson_type_t type) {
  const bson_value_t *v = mongo_odm_doc_get(doc, key);
  if (!out || !v || v->value_type != type) return false;
  // The value was validated when it was stored: bson_init_static only fails on a bad length.
  return bson_init_static(out, v->value.v_doc.data, v->value.v_doc.data_len);
}

bool mongo_odm_doc_get_document(const mongo_odm_doc_t *doc, const char *key, bson_t *out) {
  return get_embedded(doc, key, out, BSON_TYPE_DOCUMENT);
}

bool mongo_odm_doc_get_array(const mongo_odm_doc_t *doc, const char *key, bson_t *out) {
  return get_embedded(doc, key, out, BSON_TYPE_ARRAY);
}

bool mongo_odm_doc_get_oid(const mongo_odm_doc_t *doc, const char *key, bson_oid_t *out) {
  const bson_value_t *v = mongo_odm_doc_get(doc, key);
  if (!out || !v || v->value_type != BSON_TYPE_OID) return false;
  bson_oid_copy(&v->value.v_oid, out);
  return true;
}

bool mongo_odm_doc_get_binary(const mongo_odm_doc_t *doc, const char *key, const uint8_t **data, uint32_t *len,
                              bson_subtype_t *subtype) {
  const bson_value_t *v = mongo_odm_doc_get(doc, key);
  if (!data || !len || !v || v->value_type != BSON_TYPE_BINARY) return false;
  *data = v->value.v_binary.data;
  *len = v->value.v_binary.data_len;
  if (subtype) *subtype = v->value.v_binary.subtype;
  return true;
}

bool mongo_odm_doc_get_decimal128(const mongo_odm_doc_t *doc, const char *key, bson_decimal128_t *out) {
  const bson_value_t *v = mongo_odm_doc_get(doc, key);
  if (!out || !v || v->value_type != BSON_TYPE_DECIMAL128) return false;
  *out = v->value.v_decimal128;
  return true;
}

bool mongo_odm_doc_is_null(const mongo_odm_doc_t *doc, const char *key) {
  const bson_value_t *v = mongo_odm_doc_get(doc, key);
  return v && v->value_type == BSON_TYPE_NULL;
}

bool mongo_odm_doc_remove(mongo_odm_doc_t *doc, const char *key) {
  if (!doc || !key) return false;
  return mongo_odm::capi::quiet(false, [&] { return unwrap(doc)->remove(key); });
}

const bson_t *mongo_odm_doc_fields(const mongo_odm_doc_t *doc) { return doc ? unwrap(doc)->fields() : nullptr; }

bool mongo_odm_doc_to_bson(const mongo_odm_doc_t *doc, bool exclude_none, bson_t *out, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(out);
  return guard(error, false, [&] {
    require(doc, "doc");
    require(out, "out");
    mongo_odm::core::Bson built;
    unwrap(doc)->to_bson(exclude_none, built.get());
    bson_destroy(out);  // still the empty document from init_out(): nothing to lose
    built.steal_into(out);
    return true;
  });
}

}  // extern "C"
