// libFuzzer target: arbitrary bytes as a BSON document handed to mongo_odm_doc_from_bson(),
// against a schema-less model, a model with declared fields of every type and a composite key,
// and a model whose composite key names undeclared fields. A document that loads is then used:
// every getter on every field, the id, to_bson (both exclude_none modes), copy, a reload of
// what to_bson produced (which must load and give the same bytes again), a self-aliasing set
// and a remove.
//
// Only a bson_t can reach the library, and libbson checks a bson_t's length prefix and
// trailing NUL when it is made: the target fixes both so that every mutation gets past
// bson_init_static() into the library.
#include "fuzz_common.hpp"

namespace {

void exercise(const mongo_odm_model_t *model, const bson_t *input) {
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_from_bson(model, input, &err);
  if (!doc) {
    fuzz::check_error(err, {MONGO_ODM_ERROR_ENCODING, MONGO_ODM_ERROR_VALIDATION});
    return;
  }
  fuzz::check_ok(err);
  FUZZ_CHECK(mongo_odm_doc_model(doc) == model);
  fuzz::read_everything(doc);

  // to_bson, then loading its output again, must be stable.
  for (bool exclude_none : {false, true}) {
    const std::string out = fuzz::to_bson_bytes(doc, exclude_none);
    if (out.empty()) continue;
    bson_t view;
    FUZZ_CHECK(bson_init_static(&view, reinterpret_cast<const uint8_t *>(out.data()), out.size()));
    mongo_odm_doc_t *again = mongo_odm_doc_from_bson(model, &view, &err);
    // Without an id, exclude_none leaves out "_id", so a kept "id" field becomes the id on the
    // way back, as documented (and an "id" string that holds a NUL cannot be an id): only then
    // may the reload differ or fail.
    const bool id_ambiguous = exclude_none && !mongo_odm_doc_has(doc, "_id");
    if (!again && id_ambiguous) {
      fuzz::check_error(err, {MONGO_ODM_ERROR_ENCODING});
      continue;
    }
    if (!again) std::fprintf(stderr, "to_bson output does not load again: %s\n", err.message);
    FUZZ_CHECK(again);
    if (!id_ambiguous) FUZZ_CHECK(fuzz::to_bson_bytes(again, exclude_none) == out);
    if (!exclude_none) {
      const char *id1 = mongo_odm_doc_id(doc);
      const char *id2 = mongo_odm_doc_id(again);
      FUZZ_CHECK((id1 == nullptr) == (id2 == nullptr));
      if (id1) FUZZ_CHECK(std::strcmp(id1, id2) == 0);
    }
    mongo_odm_doc_destroy(again);
  }

  // A copy is equal and independent.
  mongo_odm_doc_t *copy = mongo_odm_doc_copy(doc);
  FUZZ_CHECK(copy);
  FUZZ_CHECK(fuzz::snapshot(copy) == fuzz::snapshot(doc));
  FUZZ_CHECK(fuzz::to_bson_bytes(copy, false) == fuzz::to_bson_bytes(doc, false));
  fuzz::read_everything(copy);

  // Set one field from another field's borrowed value (the value points into the document),
  // then remove the source: the copy must not change.
  const fuzz::Snapshot before = fuzz::snapshot(copy);
  // (the first field that is not an "id" kept beside "_id": get("id") addresses the id)
  bson_iter_t iter;
  FUZZ_CHECK(bson_iter_init(&iter, mongo_odm_doc_fields(doc)));
  std::string key;
  bool found = false;
  while (!found && bson_iter_next(&iter)) {
    key = bson_iter_key(&iter);
    found = key != "id";
  }
  if (found) {
    const bson_value_t *v = mongo_odm_doc_get(doc, key.c_str());
    FUZZ_CHECK(v);
    const bson_type_t type = v->value_type;
    if (mongo_odm_doc_set_value(doc, "fuzz_alias", v, &err)) {
      fuzz::check_ok(err);
      const bson_value_t *moved = mongo_odm_doc_get(doc, "fuzz_alias");
      FUZZ_CHECK(moved && moved->value_type == type);
    } else {
      fuzz::check_error(err, {MONGO_ODM_ERROR_ENCODING, MONGO_ODM_ERROR_VALIDATION});
    }
    FUZZ_CHECK(mongo_odm_doc_remove(doc, key.c_str()));
    fuzz::read_everything(doc);
    (void)fuzz::to_bson_bytes(doc, false);
  }
  FUZZ_CHECK(fuzz::snapshot(copy) == before);
  mongo_odm_doc_destroy(copy);
  mongo_odm_doc_destroy(doc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const fuzz::Models &m = fuzz::models();
  if (size < 5 || size > UINT32_MAX) return 0;
  std::vector<uint8_t> buf(data, data + size);
  const uint32_t le = BSON_UINT32_TO_LE(static_cast<uint32_t>(size));
  std::memcpy(buf.data(), &le, 4);
  buf[size - 1] = 0;
  bson_t input;
  FUZZ_CHECK(bson_init_static(&input, buf.data(), buf.size()));
  exercise(m.plain, &input);
  exercise(m.typed, &input);
  exercise(m.loose_key, &input);
  return 0;
}
