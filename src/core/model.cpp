#include "model.hpp"

#include <string_view>

#include "collection.hpp"
#include "error.hpp"
#include "names.hpp"

namespace mongo_odm::core {

namespace {
// Up to this many declared fields, comparing lengths then bytes beats hashing the key.
constexpr size_t kLinearFields = 16;
}  // namespace

const char *field_type_name(FieldType type) {
  switch (type) {
    case FieldType::any: return "any";
    case FieldType::utf8: return "utf8";
    case FieldType::int32: return "int32";
    case FieldType::int64: return "int64";
    case FieldType::dbl: return "double";
    case FieldType::boolean: return "bool";
    case FieldType::datetime: return "datetime";
    case FieldType::oid: return "oid";
    case FieldType::document: return "document";
    case FieldType::array: return "array";
    case FieldType::binary: return "binary";
    case FieldType::decimal128: return "decimal128";
  }
  return "unknown";
}

// A case per BSON type (a table).
const char *bson_type_name(bson_type_t type) {
  switch (type) {
    case BSON_TYPE_DOUBLE: return "double";
    case BSON_TYPE_UTF8: return "utf8";
    case BSON_TYPE_DOCUMENT: return "document";
    case BSON_TYPE_ARRAY: return "array";
    case BSON_TYPE_BINARY: return "binary";
    case BSON_TYPE_UNDEFINED: return "undefined";
    case BSON_TYPE_OID: return "oid";
    case BSON_TYPE_BOOL: return "bool";
    case BSON_TYPE_DATE_TIME: return "datetime";
    case BSON_TYPE_NULL: return "null";
    case BSON_TYPE_REGEX: return "regex";
    case BSON_TYPE_DBPOINTER: return "dbpointer";
    case BSON_TYPE_CODE: return "code";
    case BSON_TYPE_SYMBOL: return "symbol";
    case BSON_TYPE_CODEWSCOPE: return "codewscope";
    case BSON_TYPE_INT32: return "int32";
    case BSON_TYPE_TIMESTAMP: return "timestamp";
    case BSON_TYPE_INT64: return "int64";
    case BSON_TYPE_DECIMAL128: return "decimal128";
    case BSON_TYPE_MAXKEY: return "maxkey";
    case BSON_TYPE_MINKEY: return "minkey";
    default: return "unknown";
  }
}

Model::Model(const char *collection_name) {
  if (collection_name) {
    check_collection_name(collection_name);
    collection_name_ = collection_name;
  }
}

void Model::set_composite_key(const char *const *fields, size_t n) {
  if (n == 0) fail(Code::validation, "composite_key must be a non-empty list");
  if (!fields) fail(Code::invalid_argument, "composite key fields is NULL");
  std::vector<std::string> key;
  key.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!fields[i]) fail(Code::invalid_argument, "composite key field " + std::to_string(i) + " is NULL");
    check_key(fields[i]);
    if (is_id_key(fields[i])) fail(Code::invalid_argument, "the id cannot be part of its own composite key");
    key.emplace_back(fields[i]);
  }
  composite_key_ = std::move(key);
}

void Model::add_field(const char *name, int type, unsigned flags) {
  if (!name) fail(Code::invalid_argument, "field name is NULL");
  try {
    check_key(name);
  } catch (const Error &e) {
    fail(Code::invalid_argument, "invalid field name: " + e.message());
  }
  if (is_id_key(name)) fail(Code::invalid_argument, "the id is not a declared field ('id' and '_id' are reserved)");
  if (type < 0 || type >= kFieldTypeCount) {
    fail(Code::invalid_argument, "field '" + std::string(name) + "': unknown type " + std::to_string(type));
  }
  if (flags & ~(kFieldRequired | kFieldNullable)) {
    fail(Code::invalid_argument, "field '" + std::string(name) + "': unknown flag bits");
  }
  if (field(name)) fail(Code::invalid_argument, "field '" + std::string(name) + "' is declared twice");
  fields_.push_back(Field{name, static_cast<FieldType>(type), (flags & kFieldRequired) != 0,
                          (flags & kFieldNullable) != 0});
  index_.clear();
  if (fields_.size() > kLinearFields) {
    for (size_t i = 0; i < fields_.size(); ++i) index_.emplace(std::string_view(fields_[i].name), i);
  }
}

const Field *Model::field(const char *name, size_t len) const {
  if (fields_.size() <= kLinearFields) {
    for (const Field &f : fields_) {
      if (f.name.size() == len && std::memcmp(f.name.data(), name, len) == 0) return &f;
    }
    return nullptr;
  }
  auto it = index_.find(std::string_view(name, len));
  return it == index_.end() ? nullptr : &fields_[it->second];
}

// A case per declared type, each with the BSON types it accepts (Pydantic's lax mode).
void Model::check_type(const Field &field, bson_type_t type) {
  if (type == BSON_TYPE_NULL) {
    if (field.nullable || field.type == FieldType::any) return;
    fail(Code::validation, "field '" + field.name + "' must not be null");
  }
  bool ok = false;
  switch (field.type) {
    case FieldType::any: ok = true; break;
    case FieldType::utf8: ok = type == BSON_TYPE_UTF8; break;
    case FieldType::int32: ok = type == BSON_TYPE_INT32; break;
    // Pydantic's lax mode: a smaller integer fits a wider integer or a float.
    case FieldType::int64: ok = type == BSON_TYPE_INT64 || type == BSON_TYPE_INT32; break;
    case FieldType::dbl: ok = type == BSON_TYPE_DOUBLE || type == BSON_TYPE_INT32 || type == BSON_TYPE_INT64; break;
    case FieldType::boolean: ok = type == BSON_TYPE_BOOL; break;
    case FieldType::datetime: ok = type == BSON_TYPE_DATE_TIME; break;
    case FieldType::oid: ok = type == BSON_TYPE_OID; break;
    case FieldType::document: ok = type == BSON_TYPE_DOCUMENT; break;
    case FieldType::array: ok = type == BSON_TYPE_ARRAY; break;
    case FieldType::binary: ok = type == BSON_TYPE_BINARY; break;
    case FieldType::decimal128: ok = type == BSON_TYPE_DECIMAL128; break;
  }
  if (!ok) {
    fail(Code::validation, "field '" + field.name + "': expected " + field_type_name(field.type) + ", got " +
                               bson_type_name(type));
  }
}

}  // namespace mongo_odm::core
