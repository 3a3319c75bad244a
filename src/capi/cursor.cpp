// mongo_odm/cursor.h
#include "capi.hpp"

extern "C" {

bool mongo_odm_cursor_next(mongo_odm_cursor_t *cursor, const mongo_odm_doc_t **doc) {
  if (doc) *doc = nullptr;
  if (!cursor || !doc) return false;
  return mongo_odm::capi::quiet(false, [&] {
    const mongo_odm::core::Document *next = nullptr;
    if (!unwrap(cursor)->next_doc(&next)) return false;
    *doc = wrap(next);
    return true;
  });
}

bool mongo_odm_cursor_next_bson(mongo_odm_cursor_t *cursor, const bson_t **doc) {
  if (doc) *doc = nullptr;
  if (!cursor || !doc) return false;
  return mongo_odm::capi::quiet(false, [&] { return unwrap(cursor)->next_bson(doc); });
}

bool mongo_odm_cursor_error(const mongo_odm_cursor_t *cursor, mongo_odm_error_t *error) {
  if (!cursor) {
    mongo_odm::capi::set_error(error, mongo_odm::core::Code::invalid_argument, "cursor is NULL");
    return true;
  }
  const auto &failure = unwrap(cursor)->error();
  if (!failure) {
    mongo_odm::capi::set_ok(error);
    return false;
  }
  mongo_odm::capi::set_error(error, *failure);
  return true;
}

bool mongo_odm_cursor_set_skip_invalid(mongo_odm_cursor_t *cursor, bool skip, mongo_odm_error_t *error) {
  return mongo_odm::capi::guard(error, false, [&] {
    mongo_odm::core::require(cursor, "cursor");
    unwrap(cursor)->set_skip_invalid(skip);
    return true;
  });
}

int64_t mongo_odm_cursor_skipped_count(const mongo_odm_cursor_t *cursor) {
  return cursor ? unwrap(cursor)->skipped() : 0;
}

bool mongo_odm_cursor_next_or_raw(mongo_odm_cursor_t *cursor, const mongo_odm_doc_t **doc, const bson_t **raw,
                                  mongo_odm_error_t *invalid) {
  if (doc) *doc = nullptr;
  if (raw) *raw = nullptr;
  mongo_odm::capi::set_ok(invalid);
  if (!cursor || !doc || !raw) return false;
  return mongo_odm::capi::quiet(false, [&] {
    const mongo_odm::core::Document *next = nullptr;
    std::optional<mongo_odm::core::Error> why;
    if (!unwrap(cursor)->next_doc_or_raw(&next, raw, &why)) return false;
    *doc = next ? wrap(next) : nullptr;
    if (why) mongo_odm::capi::set_error(invalid, *why);
    return true;
  });
}

void mongo_odm_cursor_destroy(mongo_odm_cursor_t *cursor) { delete unwrap(cursor); }

int64_t mongo_odm_cursor_id(const mongo_odm_cursor_t *cursor) { return cursor ? unwrap(cursor)->id() : 0; }

}  // extern "C"
