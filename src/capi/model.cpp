// mongo_odm/model.h
#include "../core/model.hpp"
#include "../core/update_check.hpp"
#include "capi.hpp"

using mongo_odm::capi::guard;
using mongo_odm::core::require;

static_assert(MONGO_ODM_TYPE_DECIMAL128 == static_cast<int>(mongo_odm::core::FieldType::decimal128), "types drifted");
static_assert(MONGO_ODM_TYPE_UTF8 == static_cast<int>(mongo_odm::core::FieldType::utf8), "types drifted");
static_assert(MONGO_ODM_TYPE_DOUBLE == static_cast<int>(mongo_odm::core::FieldType::dbl), "types drifted");
static_assert(MONGO_ODM_FIELD_REQUIRED == mongo_odm::core::kFieldRequired, "flags drifted");
static_assert(MONGO_ODM_FIELD_NULLABLE == mongo_odm::core::kFieldNullable, "flags drifted");

extern "C" {

mongo_odm_model_t *mongo_odm_model_new(const char *collection_name, mongo_odm_error_t *error) {
  return guard(error, static_cast<mongo_odm_model_t *>(nullptr),
               [&] { return wrap(new mongo_odm::core::Model(collection_name)); });
}

void mongo_odm_model_destroy(mongo_odm_model_t *model) { delete unwrap(model); }

const char *mongo_odm_model_collection_name(const mongo_odm_model_t *model) {
  return model ? unwrap(model)->collection_name() : nullptr;
}

bool mongo_odm_model_set_composite_key(mongo_odm_model_t *model, const char *const *fields, size_t n_fields,
                                       mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    require(model, "model");
    unwrap(model)->set_composite_key(fields, n_fields);
    return true;
  });
}

size_t mongo_odm_model_composite_key_size(const mongo_odm_model_t *model) {
  return model ? unwrap(model)->composite_key().size() : 0;
}

const char *mongo_odm_model_composite_key_field(const mongo_odm_model_t *model, size_t i) {
  if (!model || i >= unwrap(model)->composite_key().size()) return nullptr;
  return unwrap(model)->composite_key()[i].c_str();
}

bool mongo_odm_model_add_field(mongo_odm_model_t *model, const char *name, mongo_odm_field_type_t type,
                               unsigned flags, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    require(model, "model");
    unwrap(model)->add_field(name, mongo_odm::capi::enum_value(type), flags);
    return true;
  });
}

size_t mongo_odm_model_field_count(const mongo_odm_model_t *model) {
  return model ? unwrap(model)->fields().size() : 0;
}

bool mongo_odm_model_field_type(const mongo_odm_model_t *model, const char *name, mongo_odm_field_type_t *type,
                                unsigned *flags) {
  if (!model || !name || !type) return false;
  const mongo_odm::core::Field *field = unwrap(model)->field(name);
  if (!field) return false;
  *type = static_cast<mongo_odm_field_type_t>(field->type);
  if (flags) {
    *flags = (field->required ? static_cast<unsigned>(MONGO_ODM_FIELD_REQUIRED) : 0u) |
             (field->nullable ? static_cast<unsigned>(MONGO_ODM_FIELD_NULLABLE) : 0u);
  }
  return true;
}

bool mongo_odm_model_set_collection(mongo_odm_model_t *model, mongo_odm_collection_t *collection,
                                    mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    require(model, "model");
    unwrap(model)->set_collection(collection ? collection->impl : nullptr);
    return true;
  });
}

bool mongo_odm_model_set_check_updates(mongo_odm_model_t *model, bool enabled, mongo_odm_error_t *error) {
  return mongo_odm::capi::guard(error, false, [&] {
    mongo_odm::core::require(model, "model");
    unwrap(model)->set_check_updates(enabled);
    return true;
  });
}

bool mongo_odm_model_check_updates(const mongo_odm_model_t *model) { return model && unwrap(model)->check_updates(); }

bool mongo_odm_model_check_update(const mongo_odm_model_t *model, const bson_t *update, mongo_odm_error_t *error) {
  return mongo_odm::capi::guard(error, false, [&] {
    mongo_odm::core::require(model, "model");
    mongo_odm::core::check_update(*unwrap(model), update);
    return true;
  });
}

}  // extern "C"
