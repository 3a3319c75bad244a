#include "update_check.hpp"

#include <cstring>
#include <string>

#include "error.hpp"
#include "model.hpp"

namespace mongo_odm::core {

namespace {

bool is_numeric(bson_type_t t) {
  return t == BSON_TYPE_INT32 || t == BSON_TYPE_INT64 || t == BSON_TYPE_DOUBLE || t == BSON_TYPE_DECIMAL128;
}

bool is_numeric_field(const Field &f) {
  return f.type == FieldType::any || f.type == FieldType::int32 || f.type == FieldType::int64 ||
         f.type == FieldType::dbl || f.type == FieldType::decimal128;
}

[[noreturn]] void refuse(const char *op, const Field &field, const std::string &why) {
  fail(Code::validation, std::string(op) + " on field '" + field.name + "': " + why);
}

// The declared field a path addresses as a whole, or nullptr (extra field, or a sub-path).
const Field *whole_field(const Model &model, const char *path) {
  if (std::strchr(path, '.')) return nullptr;
  return model.field(path);
}

void check_value_fits(const char *op, const Field &field, bson_type_t type) {
  try {
    Model::check_type(field, type);
  } catch (const Error &e) {
    refuse(op, field, e.what());
  }
}

// $inc / $mul: the result keeps the wider of the two types (int32 + int64 = int64, anything +
// double = double, anything + decimal = decimal), which must still fit the field.
void check_arithmetic(const char *op, const Field &field, bson_type_t operand) {
  if (!is_numeric_field(field)) {
    refuse(op, field, std::string("the field is ") + field_type_name(field.type) + ", not numeric");
  }
  if (!is_numeric(operand)) refuse(op, field, std::string("the operand is ") + bson_type_name(operand) + ", not a number");
  if (field.type == FieldType::any) return;
  auto rank = [](bson_type_t t) {
    switch (t) {
      case BSON_TYPE_INT32: return 0;
      case BSON_TYPE_INT64: return 1;
      case BSON_TYPE_DOUBLE: return 2;
      default: return 3;  // decimal128
    }
  };
  static const bson_type_t by_rank[] = {BSON_TYPE_INT32, BSON_TYPE_INT64, BSON_TYPE_DOUBLE, BSON_TYPE_DECIMAL128};
  int field_rank = 0;
  switch (field.type) {
    case FieldType::int64: field_rank = 1; break;
    case FieldType::dbl: field_rank = 2; break;
    case FieldType::decimal128: field_rank = 3; break;
    default: field_rank = 0; break;
  }
  const int result = rank(operand) > field_rank ? rank(operand) : field_rank;
  check_value_fits(op, field, by_rank[result]);
}

void check_operator(const Model &model, const char *op, const bson_iter_t &op_iter) {
  bson_iter_t iter;
  if (!BSON_ITER_HOLDS_DOCUMENT(&op_iter) || !bson_iter_recurse(&op_iter, &iter)) return;  // the server judges it
  while (bson_iter_next(&iter)) {
    const char *path = bson_iter_key(&iter);
    const bson_type_t type = bson_iter_type(&iter);
    const Field *whole = whole_field(model, path);
    if (!std::strcmp(op, "$set") || !std::strcmp(op, "$setOnInsert") || !std::strcmp(op, "$min") ||
        !std::strcmp(op, "$max")) {
      if (whole) check_value_fits(op, *whole, type);
    } else if (!std::strcmp(op, "$inc") || !std::strcmp(op, "$mul")) {
      if (whole) check_arithmetic(op, *whole, type);
    } else if (!std::strcmp(op, "$bit")) {
      if (whole && whole->type != FieldType::any && whole->type != FieldType::int32 && whole->type != FieldType::int64) {
        refuse(op, *whole, std::string("the field is ") + field_type_name(whole->type) + ", not an integer");
      }
    } else if (!std::strcmp(op, "$unset")) {
      const Field *f = whole;
      if (f && f->required) refuse(op, *f, "the field is required");
    } else if (!std::strcmp(op, "$rename")) {
      if (whole && whole->required) refuse(op, *whole, "the field is required (renaming removes it)");
      if (BSON_ITER_HOLDS_UTF8(&iter)) {
        const char *to = bson_iter_utf8(&iter, nullptr);
        const Field *target = whole_field(model, to);
        if (target && target->type != FieldType::any && (!whole || whole->type != target->type)) {
          refuse(op, *target, std::string("renaming '") + path + "' onto it cannot be checked against its type " +
                                  field_type_name(target->type));
        }
      }
    } else if (!std::strcmp(op, "$currentDate")) {
      if (whole && whole->type != FieldType::any) {
        bool timestamp = false;
        if (BSON_ITER_HOLDS_DOCUMENT(&iter)) {
          bson_iter_t spec;
          if (bson_iter_recurse(&iter, &spec) && bson_iter_find(&spec, "$type") && BSON_ITER_HOLDS_UTF8(&spec)) {
            timestamp = !std::strcmp(bson_iter_utf8(&spec, nullptr), "timestamp");
          }
        }
        check_value_fits(op, *whole, timestamp ? BSON_TYPE_TIMESTAMP : BSON_TYPE_DATE_TIME);
      }
    } else if (!std::strcmp(op, "$push") || !std::strcmp(op, "$addToSet") || !std::strcmp(op, "$pop") ||
               !std::strcmp(op, "$pull") || !std::strcmp(op, "$pullAll")) {
      if (whole && whole->type != FieldType::any && whole->type != FieldType::array) {
        refuse(op, *whole, std::string("the field is ") + field_type_name(whole->type) + ", not an array");
      }
    }
  }
}

}  // namespace

void check_update(const Model &model, const bson_t *update) {
  require(update, "update");
  if (model.fields().empty()) return;  // nothing declared, nothing to check
  bson_iter_t iter;
  if (!bson_iter_init(&iter, update)) fail(Code::encoding, "update is not valid BSON");
  // Keys that are not operators (a pipeline update's "0", "1", ..., or a replacement the
  // server refuses) are left to the server.
  while (bson_iter_next(&iter)) {
    const char *op = bson_iter_key(&iter);
    if (op[0] == '$') check_operator(model, op, iter);
  }
}

}  // namespace mongo_odm::core
