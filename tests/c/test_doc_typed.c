/* Typed getters and setters for every BSON type a model field can declare (issue 17 item 1):
 * datetime, ObjectId, document, array, binary, decimal128 and null, without a server. Each
 * getter returns the value only when present and of its type; borrowed results (document,
 * array, binary bytes) stay valid until the document is next modified; a setter on a declared
 * field of another type fails with VALIDATION and leaves the document unchanged. */
#include "test_util.h"

typedef struct {
  mongo_odm_model_t *typed; /* one declared field of each type */
} fixture_t;

static int setup(void **state) {
  assert_int_equal(mongo_odm_init(), 1);
  fixture_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  mongo_odm_error_t err;
  f->typed = mongo_odm_model_new("typed_getters", &err);
  assert_non_null(f->typed);
  assert_true(mongo_odm_model_add_field(f->typed, "when", MONGO_ODM_TYPE_DATETIME, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "ref", MONGO_ODM_TYPE_OID, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "sub", MONGO_ODM_TYPE_DOCUMENT, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "tags", MONGO_ODM_TYPE_ARRAY, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "blob", MONGO_ODM_TYPE_BINARY, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "price", MONGO_ODM_TYPE_DECIMAL128, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "note", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_NULLABLE, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "age", MONGO_ODM_TYPE_INT32, 0, &err));
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  mongo_odm_model_destroy(f->typed);
  free(f);
  assert_int_equal(mongo_odm_cleanup(), 0);
  return 0;
}

static void test_datetime_round_trip(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->typed);
  int64_t ms = 0;
  assert_false(mongo_odm_doc_get_datetime(doc, "when", &ms)); /* absent */
  assert_true(mongo_odm_doc_set_datetime(doc, "when", 1733221234567LL, &err));
  assert_ok(err);
  assert_true(mongo_odm_doc_get_datetime(doc, "when", &ms));
  assert_int_equal(ms, 1733221234567LL);
  /* negative (before 1970) values survive too */
  assert_true(mongo_odm_doc_set_datetime(doc, "when", -86400000LL, &err));
  assert_true(mongo_odm_doc_get_datetime(doc, "when", &ms));
  assert_int_equal(ms, -86400000LL);
  /* an int64 is not a datetime */
  assert_true(mongo_odm_doc_set_int64(doc, "extra_int", 5, &err));
  ms = 42;
  assert_false(mongo_odm_doc_get_datetime(doc, "extra_int", &ms));
  assert_int_equal(ms, 42); /* untouched */
  mongo_odm_doc_destroy(doc);
}

static void test_oid_round_trip_and_validation(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->typed);
  bson_oid_t oid, got;
  bson_oid_init_from_string(&oid, "5f1d7f0c2b3a4c5d6e7f8091");
  assert_false(mongo_odm_doc_get_oid(doc, "ref", &got));
  assert_true(mongo_odm_doc_set_oid(doc, "ref", &oid, &err));
  assert_ok(err);
  assert_true(mongo_odm_doc_get_oid(doc, "ref", &got));
  assert_true(bson_oid_equal(&oid, &got));
  /* a hex string is not an ObjectId for a declared OID field */
  assert_false(mongo_odm_doc_set_utf8(doc, "ref", "5f1d7f0c2b3a4c5d6e7f8091", &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'ref'");
  /* and an ObjectId does not fit an int32 field */
  assert_false(mongo_odm_doc_set_oid(doc, "age", &oid, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'age'");
  assert_false(mongo_odm_doc_has(doc, "age"));
  /* the id itself is readable as an ObjectId when it is one */
  bson_t *raw = tu_bson("{\"_id\": {\"$oid\": \"5f1d7f0c2b3a4c5d6e7f8092\"}}");
  mongo_odm_doc_t *loaded = mongo_odm_doc_from_bson(f->typed, raw, &err);
  assert_non_null(loaded);
  assert_true(mongo_odm_doc_get_oid(loaded, "_id", &got));
  char hex[25];
  bson_oid_to_string(&got, hex);
  assert_string_equal(hex, "5f1d7f0c2b3a4c5d6e7f8092");
  mongo_odm_doc_destroy(loaded);
  bson_destroy(raw);
  mongo_odm_doc_destroy(doc);
}

static void test_document_and_array_are_borrowed_views(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->typed);
  bson_t *sub = tu_bson("{\"city\": \"Oslo\", \"zip\": 150}");
  bson_t *tags = tu_bson("{\"0\": \"a\", \"1\": \"b\"}");
  assert_true(mongo_odm_doc_set_document(doc, "sub", sub, &err));
  assert_true(mongo_odm_doc_set_array(doc, "tags", tags, &err));
  bson_t view;
  assert_true(mongo_odm_doc_get_document(doc, "sub", &view));
  assert_true(bson_equal(&view, sub));
  tu_assert_bson_utf8(&view, "city", "Oslo");
  tu_assert_bson_int(&view, "zip", 150);
  bson_destroy(&view); /* allowed, does nothing */
  assert_true(mongo_odm_doc_get_array(doc, "tags", &view));
  assert_int_equal(bson_count_keys(&view), 2);
  tu_assert_bson_utf8(&view, "1", "b");
  /* type mismatch: a document is not an array and the reverse */
  assert_false(mongo_odm_doc_get_array(doc, "sub", &view));
  assert_false(mongo_odm_doc_get_document(doc, "tags", &view));
  assert_false(mongo_odm_doc_get_document(doc, "missing", &view));
  /* a copy outlives the document */
  assert_true(mongo_odm_doc_get_document(doc, "sub", &view));
  bson_t *kept = bson_copy(&view);
  mongo_odm_doc_destroy(doc);
  assert_true(bson_equal(kept, sub));
  bson_destroy(kept);
  bson_destroy(sub);
  bson_destroy(tags);
}

static void test_binary_round_trip(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->typed);
  const uint8_t bytes[] = {0, 1, 2, 0xff, 0};
  assert_true(mongo_odm_doc_set_binary(doc, "blob", BSON_SUBTYPE_BINARY, bytes, sizeof bytes, &err));
  assert_ok(err);
  const uint8_t *data = NULL;
  uint32_t len = 0;
  bson_subtype_t subtype = BSON_SUBTYPE_USER;
  assert_true(mongo_odm_doc_get_binary(doc, "blob", &data, &len, &subtype));
  assert_int_equal(len, sizeof bytes);
  assert_memory_equal(data, bytes, sizeof bytes);
  assert_int_equal(subtype, BSON_SUBTYPE_BINARY);
  /* subtype may be NULL; another subtype is kept */
  assert_true(mongo_odm_doc_set_binary(doc, "blob", BSON_SUBTYPE_USER, bytes, 2, &err));
  assert_true(mongo_odm_doc_get_binary(doc, "blob", &data, &len, NULL));
  assert_int_equal(len, 2);
  assert_true(mongo_odm_doc_get_binary(doc, "blob", &data, &len, &subtype));
  assert_int_equal(subtype, BSON_SUBTYPE_USER);
  /* empty: NULL data with len 0 is allowed; NULL data with len > 0 is not */
  assert_true(mongo_odm_doc_set_binary(doc, "blob", BSON_SUBTYPE_BINARY, NULL, 0, &err));
  assert_ok(err);
  assert_true(mongo_odm_doc_get_binary(doc, "blob", &data, &len, NULL));
  assert_int_equal(len, 0);
  assert_false(mongo_odm_doc_set_binary(doc, "blob", BSON_SUBTYPE_BINARY, NULL, 3, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  /* a string is not binary */
  assert_false(mongo_odm_doc_set_utf8(doc, "blob", "x", &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_false(mongo_odm_doc_get_binary(doc, "note", &data, &len, NULL));
  mongo_odm_doc_destroy(doc);
}

static void test_decimal128_round_trip(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->typed);
  bson_decimal128_t dec, got;
  assert_true(bson_decimal128_from_string("12.50", &dec));
  assert_false(mongo_odm_doc_get_decimal128(doc, "price", &got));
  assert_true(mongo_odm_doc_set_decimal128(doc, "price", &dec, &err));
  assert_ok(err);
  assert_true(mongo_odm_doc_get_decimal128(doc, "price", &got));
  char text[BSON_DECIMAL128_STRING];
  bson_decimal128_to_string(&got, text);
  assert_string_equal(text, "12.50");
  /* a double does not fit a decimal128 field */
  assert_false(mongo_odm_doc_set_double(doc, "price", 12.5, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'price'");
  mongo_odm_doc_destroy(doc);
}

static void test_is_null(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->typed);
  assert_false(mongo_odm_doc_is_null(doc, "note")); /* absent is not null */
  assert_true(mongo_odm_doc_set_null(doc, "note", &err));
  assert_ok(err);
  assert_true(mongo_odm_doc_is_null(doc, "note"));
  assert_null(mongo_odm_doc_get_utf8(doc, "note"));
  assert_true(mongo_odm_doc_set_utf8(doc, "note", "hi", &err));
  assert_false(mongo_odm_doc_is_null(doc, "note"));
  /* null on a field that is not NULLABLE */
  assert_false(mongo_odm_doc_set_null(doc, "when", &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  mongo_odm_doc_destroy(doc);
}

/* Everything a declared model can hold goes through to_bson / from_bson and reads back
 * through the typed getters without a bson_value_t. */
static void test_every_type_survives_bson_round_trip(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  bson_t *src = tu_bson("{\"_id\": \"x1\", \"when\": {\"$date\": {\"$numberLong\": \"1000\"}},"
                        " \"ref\": {\"$oid\": \"5f1d7f0c2b3a4c5d6e7f8091\"}, \"sub\": {\"a\": 1},"
                        " \"tags\": [1, 2, 3], \"blob\": {\"$binary\": {\"base64\": \"AQID\", \"subType\": \"00\"}},"
                        " \"price\": {\"$numberDecimal\": \"0.1\"}, \"note\": null}");
  mongo_odm_doc_t *doc = mongo_odm_doc_from_bson(f->typed, src, &err);
  assert_non_null(doc);
  assert_ok(err);
  int64_t ms;
  assert_true(mongo_odm_doc_get_datetime(doc, "when", &ms));
  assert_int_equal(ms, 1000);
  bson_oid_t oid;
  assert_true(mongo_odm_doc_get_oid(doc, "ref", &oid));
  bson_t view;
  assert_true(mongo_odm_doc_get_document(doc, "sub", &view));
  tu_assert_bson_int(&view, "a", 1);
  assert_true(mongo_odm_doc_get_array(doc, "tags", &view));
  assert_int_equal(bson_count_keys(&view), 3);
  const uint8_t *data;
  uint32_t len;
  assert_true(mongo_odm_doc_get_binary(doc, "blob", &data, &len, NULL));
  assert_int_equal(len, 3);
  assert_int_equal(data[2], 3);
  bson_decimal128_t dec;
  assert_true(mongo_odm_doc_get_decimal128(doc, "price", &dec));
  assert_true(mongo_odm_doc_is_null(doc, "note"));
  bson_t out;
  assert_true(mongo_odm_doc_to_bson(doc, false, &out, &err));
  assert_true(bson_equal(&out, src));
  bson_destroy(&out);
  bson_destroy(src);
  mongo_odm_doc_destroy(doc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_datetime_round_trip),
      cmocka_unit_test(test_oid_round_trip_and_validation),
      cmocka_unit_test(test_document_and_array_are_borrowed_views),
      cmocka_unit_test(test_binary_round_trip),
      cmocka_unit_test(test_decimal128_round_trip),
      cmocka_unit_test(test_is_null),
      cmocka_unit_test(test_every_type_survives_bson_round_trip),
  };
  return cmocka_run_group_tests_name("doc_typed", tests, setup, teardown);
}
