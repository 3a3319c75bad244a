/* Documents without a server: ids, typed setters and getters, field order, validation against
 * declared fields, loading from BSON, composite ids, copies and the self-aliasing guard. */
#include <ctype.h>

#include "test_util.h"

typedef struct {
  mongo_odm_model_t *plain;  /* no collection name, no declared fields */
  mongo_odm_model_t *typed;  /* declared fields of every kind */
} fixture_t;

static int setup(void **state) {
  assert_int_equal(mongo_odm_init(), 1);
  fixture_t *f = calloc(1, sizeof *f);
  assert_non_null(f);
  mongo_odm_error_t err;
  f->plain = mongo_odm_model_new(NULL, &err);
  assert_non_null(f->plain);
  f->typed = mongo_odm_model_new("typed", &err);
  assert_non_null(f->typed);
  assert_true(mongo_odm_model_add_field(f->typed, "name", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "age", MONGO_ODM_TYPE_INT32, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "big", MONGO_ODM_TYPE_INT64, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "score", MONGO_ODM_TYPE_DOUBLE, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "ok", MONGO_ODM_TYPE_BOOL, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "when", MONGO_ODM_TYPE_DATETIME, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "ref", MONGO_ODM_TYPE_OID, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "sub", MONGO_ODM_TYPE_DOCUMENT, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "tags", MONGO_ODM_TYPE_ARRAY, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "blob", MONGO_ODM_TYPE_BINARY, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "price", MONGO_ODM_TYPE_DECIMAL128, 0, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "note", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_NULLABLE, &err));
  assert_true(mongo_odm_model_add_field(f->typed, "anything", MONGO_ODM_TYPE_ANY, 0, &err));
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture_t *f = *state;
  mongo_odm_model_destroy(f->plain);
  mongo_odm_model_destroy(f->typed);
  free(f);
  assert_int_equal(mongo_odm_cleanup(), 0);
  return 0;
}

/* A `typed` document with its required field set. */
static mongo_odm_doc_t *typed_doc(fixture_t *f) {
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->typed);
  assert_non_null(doc);
  assert_true(mongo_odm_doc_set_utf8(doc, "name", "Alice", &err));
  assert_ok(err);
  return doc;
}

static void assert_keys(const bson_t *doc, const char *expected) {
  char buf[512];
  assert_string_equal(tu_keys(doc, buf, sizeof buf), expected);
}

static void assert_to_bson_keys(const mongo_odm_doc_t *doc, bool exclude_none, const char *expected) {
  bson_t out;
  mongo_odm_error_t err;
  assert_true(mongo_odm_doc_to_bson(doc, exclude_none, &out, &err));
  assert_ok(err);
  assert_keys(&out, expected);
  bson_destroy(&out);
}

static bool is_lower_hex(const char *s, size_t n) {
  if (!s || strlen(s) != n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f')) return false;
  }
  return true;
}

/* ---- ids ---------------------------------------------------------------------------------- */

static void test_doc_new_has_object_id_string(void **state) {
  fixture_t *f = *state;
  mongo_odm_doc_t *a = mongo_odm_doc_new(f->plain);
  mongo_odm_doc_t *b = mongo_odm_doc_new(f->plain);
  assert_true(is_lower_hex(mongo_odm_doc_id(a), 24));
  assert_true(mongo_odm_id_is_object_id(mongo_odm_doc_id(a)));
  assert_string_not_equal(mongo_odm_doc_id(a), mongo_odm_doc_id(b));
  assert_ptr_equal(mongo_odm_doc_model(a), f->plain);
  /* the id is a string, not an ObjectId (lightodm stores str(ObjectId())) */
  const bson_value_t *id = mongo_odm_doc_get(a, "_id");
  assert_non_null(id);
  assert_int_equal(id->value_type, BSON_TYPE_UTF8);
  assert_string_equal(id->value.v_utf8.str, mongo_odm_doc_id(a));
  /* a new document has no fields */
  assert_int_equal(bson_count_keys(mongo_odm_doc_fields(a)), 0);
  assert_true(mongo_odm_doc_has(a, "id"));
  assert_true(mongo_odm_doc_has(a, "_id"));
  assert_false(mongo_odm_doc_is_extra(a, "_id"));
  assert_to_bson_keys(a, false, "_id");
  mongo_odm_doc_destroy(a);
  mongo_odm_doc_destroy(b);
  assert_null(mongo_odm_doc_new(NULL));
}

static void test_id_and_underscore_id_are_the_id(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->plain);
  assert_true(mongo_odm_doc_set_utf8(doc, "id", "first", &err));
  assert_string_equal(mongo_odm_doc_id(doc), "first");
  assert_true(mongo_odm_doc_set_utf8(doc, "_id", "second", &err));
  assert_string_equal(mongo_odm_doc_id(doc), "second");
  assert_string_equal(mongo_odm_doc_get_utf8(doc, "id"), "second");
  assert_string_equal(mongo_odm_doc_get_utf8(doc, "_id"), "second");
  /* neither became a field */
  assert_int_equal(bson_count_keys(mongo_odm_doc_fields(doc)), 0);
  assert_false(mongo_odm_doc_is_extra(doc, "id"));

  /* set_id */
  assert_true(mongo_odm_doc_set_id(doc, "third", &err));
  assert_ok(err);
  assert_string_equal(mongo_odm_doc_id(doc), "third");
  /* set_id from the document's own id string (aliasing) */
  assert_true(mongo_odm_doc_set_id(doc, mongo_odm_doc_id(doc), &err));
  assert_string_equal(mongo_odm_doc_id(doc), "third");
  assert_false(mongo_odm_doc_set_id(doc, "bad\xff", &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_string_equal(mongo_odm_doc_id(doc), "third");

  /* a non-string value on the id key makes a raw id of that type */
  assert_true(mongo_odm_doc_set_int32(doc, "_id", 42, &err));
  assert_null(mongo_odm_doc_id(doc));
  const bson_value_t *raw = mongo_odm_doc_get(doc, "id");
  assert_non_null(raw);
  assert_int_equal(raw->value_type, BSON_TYPE_INT32);
  assert_int_equal(raw->value.v_int32, 42);
  int32_t i32 = 0;
  assert_true(mongo_odm_doc_get_int32(doc, "_id", &i32));
  assert_int_equal(i32, 42);
  bson_t out;
  assert_true(mongo_odm_doc_to_bson(doc, false, &out, &err));
  tu_assert_bson_int(&out, "_id", 42);
  bson_destroy(&out);

  /* an ObjectId id: doc_id is its hex */
  bson_value_t oid;
  memset(&oid, 0, sizeof oid);
  oid.value_type = BSON_TYPE_OID;
  bson_oid_init_from_string(&oid.value.v_oid, "507f1f77bcf86cd799439011");
  assert_true(mongo_odm_doc_set_value(doc, "id", &oid, &err));
  assert_string_equal(mongo_odm_doc_id(doc), "507f1f77bcf86cd799439011");
  assert_int_equal(mongo_odm_doc_get(doc, "_id")->value_type, BSON_TYPE_OID);
  /* back to a string */
  assert_true(mongo_odm_doc_set_id(doc, "s", &err));
  assert_int_equal(mongo_odm_doc_get(doc, "_id")->value_type, BSON_TYPE_UTF8);
  mongo_odm_doc_destroy(doc);
}

static void test_set_id_null_clears(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->plain);
  assert_true(mongo_odm_doc_set_int32(doc, "a", 1, &err));
  assert_true(mongo_odm_doc_set_id(doc, NULL, &err));
  assert_ok(err);
  assert_null(mongo_odm_doc_id(doc));
  assert_false(mongo_odm_doc_has(doc, "id"));
  assert_false(mongo_odm_doc_has(doc, "_id"));
  assert_null(mongo_odm_doc_get(doc, "_id"));

  bson_t out;
  assert_true(mongo_odm_doc_to_bson(doc, false, &out, &err));
  assert_keys(&out, "_id,a");
  bson_iter_t iter;
  assert_true(bson_iter_init_find(&iter, &out, "_id"));
  assert_true(BSON_ITER_HOLDS_NULL(&iter));
  bson_destroy(&out);
  assert_to_bson_keys(doc, true, "a");

  /* a null value on the id key clears it too (Python's id=None), it is not a null id */
  assert_true(mongo_odm_doc_set_id(doc, "x", &err));
  assert_true(mongo_odm_doc_set_null(doc, "_id", &err));
  assert_ok(err);
  assert_false(mongo_odm_doc_has(doc, "_id"));
  assert_null(mongo_odm_doc_get(doc, "id"));
  assert_to_bson_keys(doc, true, "a");
  assert_true(mongo_odm_doc_set_id(doc, "x", &err));
  bson_value_t null_value;
  memset(&null_value, 0, sizeof null_value);
  null_value.value_type = BSON_TYPE_NULL;
  assert_true(mongo_odm_doc_set_value(doc, "id", &null_value, &err));
  assert_false(mongo_odm_doc_has(doc, "id"));
  bson_t *src = tu_bson("{\"_id\": null, \"a\": 1}");
  mongo_odm_doc_t *loaded = mongo_odm_doc_from_bson(f->plain, src, &err);
  assert_non_null(loaded);
  assert_false(mongo_odm_doc_has(loaded, "_id"));
  assert_null(mongo_odm_doc_id(loaded));
  mongo_odm_doc_destroy(loaded);
  bson_destroy(src);

  /* remove("id") clears too, and says whether there was one */
  assert_true(mongo_odm_doc_set_id(doc, "x", &err));
  assert_true(mongo_odm_doc_remove(doc, "id"));
  assert_null(mongo_odm_doc_id(doc));
  assert_false(mongo_odm_doc_remove(doc, "_id"));
  mongo_odm_doc_destroy(doc);
}

/* ---- typed setters and getters ------------------------------------------------------------ */

static void test_every_typed_setter_and_getter(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->plain);

  assert_true(mongo_odm_doc_set_utf8(doc, "s", "héllo", &err));
  assert_ok(err);
  assert_true(mongo_odm_doc_set_int32(doc, "i32", INT32_MIN, &err));
  assert_true(mongo_odm_doc_set_int64(doc, "i64", INT64_MAX, &err));
  assert_true(mongo_odm_doc_set_double(doc, "d", -2.5, &err));
  assert_true(mongo_odm_doc_set_bool(doc, "b", true, &err));
  assert_true(mongo_odm_doc_set_null(doc, "n", &err));
  assert_true(mongo_odm_doc_set_datetime(doc, "t", INT64_C(1704164645123), &err));
  bson_t *sub = tu_bson("{\"x\": 1, \"y\": {\"z\": \"w\"}}");
  assert_true(mongo_odm_doc_set_document(doc, "sub", sub, &err));
  bson_t *arr = tu_bson("{\"0\": 1, \"1\": \"two\"}");
  assert_true(mongo_odm_doc_set_array(doc, "arr", arr, &err));
  bson_value_t dec;
  memset(&dec, 0, sizeof dec);
  dec.value_type = BSON_TYPE_DECIMAL128;
  assert_true(bson_decimal128_from_string("12.34", &dec.value.v_decimal128));
  assert_true(mongo_odm_doc_set_value(doc, "dec", &dec, &err));
  assert_ok(err);
  /* the source buffers are copied */
  bson_destroy(sub);
  bson_destroy(arr);

  const bson_value_t *v;
  assert_string_equal(mongo_odm_doc_get_utf8(doc, "s"), "héllo");
  int32_t i32;
  assert_true(mongo_odm_doc_get_int32(doc, "i32", &i32));
  assert_int_equal(i32, INT32_MIN);
  int64_t i64;
  assert_true(mongo_odm_doc_get_int64(doc, "i64", &i64));
  assert_true(i64 == INT64_MAX);
  double d;
  assert_true(mongo_odm_doc_get_double(doc, "d", &d));
  assert_true(d == -2.5);
  bool b = false;
  assert_true(mongo_odm_doc_get_bool(doc, "b", &b));
  assert_true(b);
  v = mongo_odm_doc_get(doc, "n");
  assert_non_null(v);
  assert_int_equal(v->value_type, BSON_TYPE_NULL);
  v = mongo_odm_doc_get(doc, "t");
  assert_int_equal(v->value_type, BSON_TYPE_DATE_TIME);
  assert_true(v->value.v_datetime == INT64_C(1704164645123));
  v = mongo_odm_doc_get(doc, "sub");
  assert_int_equal(v->value_type, BSON_TYPE_DOCUMENT);
  bson_t view;
  assert_true(bson_init_static(&view, v->value.v_doc.data, v->value.v_doc.data_len));
  bson_iter_t iter;
  assert_true(bson_iter_init(&iter, &view));
  bson_iter_t deep;
  assert_true(bson_iter_find_descendant(&iter, "y.z", &deep));
  assert_string_equal(bson_iter_utf8(&deep, NULL), "w");
  v = mongo_odm_doc_get(doc, "arr");
  assert_int_equal(v->value_type, BSON_TYPE_ARRAY);
  assert_true(bson_init_static(&view, v->value.v_doc.data, v->value.v_doc.data_len));
  assert_int_equal(bson_count_keys(&view), 2);
  v = mongo_odm_doc_get(doc, "dec");
  assert_int_equal(v->value_type, BSON_TYPE_DECIMAL128);
  char dec_str[BSON_DECIMAL128_STRING];
  bson_decimal128_to_string(&v->value.v_decimal128, dec_str);
  assert_string_equal(dec_str, "12.34");

  /* insertion order */
  assert_keys(mongo_odm_doc_fields(doc), "s,i32,i64,d,b,n,t,sub,arr,dec");
  assert_to_bson_keys(doc, false, "_id,s,i32,i64,d,b,n,t,sub,arr,dec");

  /* getters: absent, wrong type, widening, NULL out */
  assert_null(mongo_odm_doc_get(doc, "missing"));
  assert_null(mongo_odm_doc_get_utf8(doc, "missing"));
  assert_null(mongo_odm_doc_get_utf8(doc, "i32"));
  assert_false(mongo_odm_doc_get_int32(doc, "i64", &i32));
  assert_false(mongo_odm_doc_get_int32(doc, "s", &i32));
  assert_true(mongo_odm_doc_get_int64(doc, "i32", &i64));
  assert_true(i64 == INT32_MIN);
  assert_false(mongo_odm_doc_get_int64(doc, "d", &i64));
  assert_true(mongo_odm_doc_get_double(doc, "i32", &d));
  assert_true(d == (double)INT32_MIN);
  assert_true(mongo_odm_doc_get_double(doc, "i64", &d));
  assert_true(d == (double)INT64_MAX);
  assert_false(mongo_odm_doc_get_double(doc, "s", &d));
  assert_false(mongo_odm_doc_get_bool(doc, "i32", &b));
  assert_false(mongo_odm_doc_get_bool(doc, "missing", &b));
  assert_false(mongo_odm_doc_get_int32(doc, "i32", NULL));
  assert_false(mongo_odm_doc_get_int64(doc, "i64", NULL));
  assert_false(mongo_odm_doc_get_double(doc, "d", NULL));
  assert_false(mongo_odm_doc_get_bool(doc, "b", NULL));
  mongo_odm_doc_destroy(doc);
}

static void test_set_value_other_types(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->plain);
  bson_value_t v;
  memset(&v, 0, sizeof v);

  uint8_t bytes[] = {0, 1, 2, 255};
  v.value_type = BSON_TYPE_BINARY;
  v.value.v_binary.subtype = BSON_SUBTYPE_BINARY;
  v.value.v_binary.data = bytes;
  v.value.v_binary.data_len = sizeof bytes;
  assert_true(mongo_odm_doc_set_value(doc, "bin", &v, &err));
  bytes[0] = 9; /* copied */
  const bson_value_t *got = mongo_odm_doc_get(doc, "bin");
  assert_int_equal(got->value_type, BSON_TYPE_BINARY);
  assert_int_equal(got->value.v_binary.data_len, 4);
  assert_int_equal(got->value.v_binary.data[0], 0);
  assert_int_equal(got->value.v_binary.data[3], 255);

  memset(&v, 0, sizeof v);
  v.value_type = BSON_TYPE_REGEX;
  v.value.v_regex.regex = "^a.*";
  v.value.v_regex.options = "i";
  assert_true(mongo_odm_doc_set_value(doc, "re", &v, &err));
  assert_string_equal(mongo_odm_doc_get(doc, "re")->value.v_regex.regex, "^a.*");

  memset(&v, 0, sizeof v);
  v.value_type = BSON_TYPE_TIMESTAMP;
  v.value.v_timestamp.timestamp = 7;
  v.value.v_timestamp.increment = 8;
  assert_true(mongo_odm_doc_set_value(doc, "ts", &v, &err));

  memset(&v, 0, sizeof v);
  v.value_type = BSON_TYPE_MINKEY;
  assert_true(mongo_odm_doc_set_value(doc, "min", &v, &err));

  /* an unknown type tag, a regex without options, binary without data, invalid UTF-8 */
  memset(&v, 0, sizeof v);
  v.value_type = (bson_type_t)0x42;
  assert_false(mongo_odm_doc_set_value(doc, "bad", &v, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  memset(&v, 0, sizeof v);
  v.value_type = BSON_TYPE_REGEX;
  v.value.v_regex.regex = "x";
  assert_false(mongo_odm_doc_set_value(doc, "bad", &v, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  memset(&v, 0, sizeof v);
  v.value_type = BSON_TYPE_BINARY;
  v.value.v_binary.data_len = 3;
  assert_false(mongo_odm_doc_set_value(doc, "bad", &v, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  memset(&v, 0, sizeof v);
  v.value_type = BSON_TYPE_UTF8;
  v.value.v_utf8.str = "bad\xff";
  v.value.v_utf8.len = 4;
  assert_false(mongo_odm_doc_set_value(doc, "bad", &v, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  /* a BSON string value may hold NUL (it is length-prefixed; MongoDB stores it, keys cannot) */
  v.value.v_utf8.str = "a\0b";
  v.value.v_utf8.len = 3;
  assert_true(mongo_odm_doc_set_value(doc, "nul", &v, &err));
  assert_ok(err);
  const bson_value_t *nul = mongo_odm_doc_get(doc, "nul");
  assert_non_null(nul);
  assert_int_equal(nul->value.v_utf8.len, 3);
  assert_memory_equal(nul->value.v_utf8.str, "a\0b", 3);
  assert_true(mongo_odm_doc_remove(doc, "nul"));
  assert_false(mongo_odm_doc_set_value(doc, "bad", NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(mongo_odm_doc_set_utf8(doc, "bad", "x\xc3", &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);

  assert_false(mongo_odm_doc_has(doc, "bad"));
  assert_keys(mongo_odm_doc_fields(doc), "bin,re,ts,min");
  mongo_odm_doc_destroy(doc);
}

static void test_corrupt_embedded_document_rejected(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->plain);
  /* a string element whose length runs past the end */
  static const uint8_t corrupt[] = {12, 0, 0, 0, 0x02, 'a', 0, 0xff, 0xff, 0xff, 0x7f, 0};
  bson_t bad;
  assert_true(bson_init_static(&bad, corrupt, sizeof corrupt));
  assert_false(mongo_odm_doc_set_document(doc, "sub", &bad, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_false(mongo_odm_doc_set_array(doc, "arr", &bad, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  /* an embedded document with an invalid UTF-8 string */
  bson_t *inner = bson_new();
  bson_append_utf8(inner, "s", -1, "\xff\xfe", 2);
  assert_false(mongo_odm_doc_set_document(doc, "sub", inner, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  bson_destroy(inner);
  assert_false(mongo_odm_doc_set_document(doc, "sub", NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(mongo_odm_doc_set_array(doc, "arr", NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_int_equal(bson_count_keys(mongo_odm_doc_fields(doc)), 0);
  mongo_odm_doc_destroy(doc);
}

static void test_invalid_keys(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->plain);
  const char *bad[] = {"", "$a", "$", "k\xff", "\xc3"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    assert_false(mongo_odm_doc_set_int32(doc, bad[i], 1, &err));
    assert_code(err, MONGO_ODM_ERROR_ENCODING);
    assert_false(mongo_odm_doc_set_utf8(doc, bad[i], "v", &err));
    assert_code(err, MONGO_ODM_ERROR_ENCODING);
    assert_false(mongo_odm_doc_set_null(doc, bad[i], &err));
    assert_code(err, MONGO_ODM_ERROR_ENCODING);
    assert_false(mongo_odm_doc_has(doc, bad[i]));
    assert_false(mongo_odm_doc_remove(doc, bad[i]));
  }
  assert_false(mongo_odm_doc_set_int32(doc, NULL, 1, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  /* keys that merely contain '$' or '.' are allowed at the document level */
  assert_true(mongo_odm_doc_set_int32(doc, "a$", 1, &err));
  assert_true(mongo_odm_doc_set_int32(doc, "a.b", 2, &err));
  assert_keys(mongo_odm_doc_fields(doc), "a$,a.b");
  mongo_odm_doc_destroy(doc);
}

/* ---- order, replace, remove, has, is_extra ----------------------------------------------- */

static void test_replace_keeps_position_and_remove(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->plain);
  assert_true(mongo_odm_doc_set_int32(doc, "a", 1, &err));
  assert_true(mongo_odm_doc_set_int32(doc, "b", 2, &err));
  assert_true(mongo_odm_doc_set_int32(doc, "c", 3, &err));
  /* replace with another type, in the middle */
  assert_true(mongo_odm_doc_set_utf8(doc, "b", "two", &err));
  assert_keys(mongo_odm_doc_fields(doc), "a,b,c");
  assert_string_equal(mongo_odm_doc_get_utf8(doc, "b"), "two");
  /* setting the id later does not move it: _id is always first */
  assert_true(mongo_odm_doc_set_id(doc, "later", &err));
  assert_to_bson_keys(doc, false, "_id,a,b,c");
  bson_t out;
  assert_true(mongo_odm_doc_to_bson(doc, false, &out, &err));
  tu_assert_bson_utf8(&out, "_id", "later");
  tu_assert_bson_int(&out, "a", 1);
  tu_assert_bson_utf8(&out, "b", "two");
  tu_assert_bson_int(&out, "c", 3);
  bson_destroy(&out);

  /* replace the first and the last */
  assert_true(mongo_odm_doc_set_bool(doc, "a", false, &err));
  assert_true(mongo_odm_doc_set_null(doc, "c", &err));
  assert_keys(mongo_odm_doc_fields(doc), "a,b,c");

  /* remove */
  assert_true(mongo_odm_doc_has(doc, "b"));
  assert_true(mongo_odm_doc_remove(doc, "b"));
  assert_false(mongo_odm_doc_has(doc, "b"));
  assert_null(mongo_odm_doc_get(doc, "b"));
  assert_false(mongo_odm_doc_remove(doc, "b"));
  assert_false(mongo_odm_doc_remove(doc, "never"));
  assert_keys(mongo_odm_doc_fields(doc), "a,c");
  /* re-adding appends */
  assert_true(mongo_odm_doc_set_int32(doc, "b", 5, &err));
  assert_keys(mongo_odm_doc_fields(doc), "a,c,b");
  mongo_odm_doc_destroy(doc);
}

static void test_has_and_is_extra(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = typed_doc(f);
  assert_true(mongo_odm_doc_set_int32(doc, "extra", 1, &err));
  assert_true(mongo_odm_doc_has(doc, "name"));
  assert_false(mongo_odm_doc_is_extra(doc, "name")); /* declared */
  assert_true(mongo_odm_doc_has(doc, "extra"));
  assert_true(mongo_odm_doc_is_extra(doc, "extra"));
  assert_false(mongo_odm_doc_has(doc, "age"));       /* declared, absent */
  assert_false(mongo_odm_doc_is_extra(doc, "age"));
  assert_false(mongo_odm_doc_is_extra(doc, "nothing")); /* absent */
  assert_false(mongo_odm_doc_is_extra(doc, "id"));
  assert_false(mongo_odm_doc_is_extra(doc, "_id"));
  assert_true(mongo_odm_doc_has(doc, "_id"));
  mongo_odm_doc_destroy(doc);
}

/* ---- to_bson and exclude_none ------------------------------------------------------------- */

static void test_exclude_none(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->plain);
  assert_true(mongo_odm_doc_set_null(doc, "n1", &err));
  assert_true(mongo_odm_doc_set_int32(doc, "a", 1, &err));
  assert_true(mongo_odm_doc_set_null(doc, "n2", &err));
  bson_t *sub = tu_bson("{\"inner\": null}");
  assert_true(mongo_odm_doc_set_document(doc, "sub", sub, &err));
  bson_destroy(sub);
  assert_to_bson_keys(doc, false, "_id,n1,a,n2,sub");
  /* only top-level nulls are dropped */
  assert_to_bson_keys(doc, true, "_id,a,sub");
  /* the document itself is unchanged */
  assert_keys(mongo_odm_doc_fields(doc), "n1,a,n2,sub");
  mongo_odm_doc_destroy(doc);
}

static void test_to_bson_initializes_out_on_failure(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->typed); /* "name" is required and missing */
  bson_t out;
  assert_false(mongo_odm_doc_to_bson(doc, false, &out, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "name");
  assert_int_equal(bson_count_keys(&out), 0);
  bson_destroy(&out);
  assert_false(mongo_odm_doc_to_bson(doc, true, &out, NULL));
  bson_destroy(&out);
  assert_false(mongo_odm_doc_to_bson(NULL, false, &out, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(&out);
  assert_false(mongo_odm_doc_to_bson(doc, false, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  mongo_odm_doc_destroy(doc);
}

/* ---- declared fields ---------------------------------------------------------------------- */

static void test_declared_field_type_validation(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = typed_doc(f);
  assert_true(mongo_odm_doc_set_int32(doc, "age", 30, &err));
  bson_t before;
  assert_true(mongo_odm_doc_to_bson(doc, false, &before, &err));

  /* wrong types: VALIDATION naming the field, document unchanged */
  assert_false(mongo_odm_doc_set_utf8(doc, "age", "thirty", &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'age'");
  assert_false(mongo_odm_doc_set_int64(doc, "age", 30, &err)); /* no narrowing */
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_false(mongo_odm_doc_set_double(doc, "age", 30.0, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_false(mongo_odm_doc_set_int32(doc, "name", 1, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'name'");
  assert_false(mongo_odm_doc_set_double(doc, "big", 1.0, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'big'");
  assert_false(mongo_odm_doc_set_int32(doc, "ok", 1, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_false(mongo_odm_doc_set_int64(doc, "when", 1, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_false(mongo_odm_doc_set_utf8(doc, "ref", "507f1f77bcf86cd799439011", &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  bson_t *sub = tu_bson("{\"0\": 1}");
  assert_false(mongo_odm_doc_set_array(doc, "sub", sub, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_false(mongo_odm_doc_set_document(doc, "tags", sub, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_false(mongo_odm_doc_set_utf8(doc, "blob", "x", &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_false(mongo_odm_doc_set_double(doc, "price", 1.5, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  /* null on fields that are not NULLABLE */
  assert_false(mongo_odm_doc_set_null(doc, "age", &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'age'");
  assert_false(mongo_odm_doc_set_null(doc, "name", &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);

  bson_t after;
  assert_true(mongo_odm_doc_to_bson(doc, false, &after, &err));
  assert_true(bson_equal(&before, &after));
  bson_destroy(&before);
  bson_destroy(&after);

  /* right types */
  bson_value_t v;
  memset(&v, 0, sizeof v);
  v.value_type = BSON_TYPE_OID;
  bson_oid_init(&v.value.v_oid, NULL);
  assert_true(mongo_odm_doc_set_value(doc, "ref", &v, &err));
  assert_true(mongo_odm_doc_set_document(doc, "sub", sub, &err));
  assert_true(mongo_odm_doc_set_array(doc, "tags", sub, &err));
  bson_destroy(sub);
  assert_true(mongo_odm_doc_set_bool(doc, "ok", true, &err));
  assert_true(mongo_odm_doc_set_datetime(doc, "when", 0, &err));
  assert_true(mongo_odm_doc_set_int64(doc, "big", INT64_MIN, &err));
  assert_true(mongo_odm_doc_set_double(doc, "score", 0.5, &err));
  memset(&v, 0, sizeof v);
  uint8_t byte = 1;
  v.value_type = BSON_TYPE_BINARY;
  v.value.v_binary.data = &byte;
  v.value.v_binary.data_len = 1;
  assert_true(mongo_odm_doc_set_value(doc, "blob", &v, &err));
  memset(&v, 0, sizeof v);
  v.value_type = BSON_TYPE_DECIMAL128;
  assert_true(bson_decimal128_from_string("1.5", &v.value.v_decimal128));
  assert_true(mongo_odm_doc_set_value(doc, "price", &v, &err));
  /* ANY takes every type and null */
  assert_true(mongo_odm_doc_set_utf8(doc, "anything", "s", &err));
  assert_true(mongo_odm_doc_set_int32(doc, "anything", 1, &err));
  assert_true(mongo_odm_doc_set_null(doc, "anything", &err));
  assert_to_bson_keys(doc, false, "_id,name,age,ref,sub,tags,ok,when,big,score,blob,price,anything");
  mongo_odm_doc_destroy(doc);
}

static void test_int32_accepted_for_int64_and_double(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = typed_doc(f);
  assert_true(mongo_odm_doc_set_int32(doc, "big", 7, &err));
  assert_ok(err);
  assert_true(mongo_odm_doc_set_int32(doc, "score", 8, &err));
  assert_ok(err);
  /* the value keeps its BSON type */
  assert_int_equal(mongo_odm_doc_get(doc, "big")->value_type, BSON_TYPE_INT32);
  int64_t i64;
  assert_true(mongo_odm_doc_get_int64(doc, "big", &i64));
  assert_int_equal(i64, 7);
  double d;
  assert_true(mongo_odm_doc_get_double(doc, "score", &d));
  assert_true(d == 8.0);
  mongo_odm_doc_destroy(doc);
}

static void test_nullable_field(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = typed_doc(f);
  assert_true(mongo_odm_doc_set_null(doc, "note", &err));
  assert_ok(err);
  assert_true(mongo_odm_doc_set_utf8(doc, "note", "text", &err));
  assert_false(mongo_odm_doc_set_int32(doc, "note", 1, &err)); /* nullable is not "any" */
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_true(mongo_odm_doc_set_null(doc, "note", &err));
  assert_to_bson_keys(doc, false, "_id,name,note");
  assert_to_bson_keys(doc, true, "_id,name");
  mongo_odm_doc_destroy(doc);
}

static void test_required_field(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->typed);
  assert_true(mongo_odm_doc_set_int32(doc, "age", 1, &err));
  bson_t out;
  assert_false(mongo_odm_doc_to_bson(doc, false, &out, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'name'");
  bson_destroy(&out);
  assert_true(mongo_odm_doc_set_utf8(doc, "name", "n", &err));
  assert_to_bson_keys(doc, false, "_id,age,name");
  /* a required field may be removed; the document then no longer converts */
  assert_true(mongo_odm_doc_remove(doc, "name"));
  assert_false(mongo_odm_doc_to_bson(doc, true, &out, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'name'");
  bson_destroy(&out);
  mongo_odm_doc_destroy(doc);
}

/* ---- doc_from_bson ------------------------------------------------------------------------ */

static void test_from_bson_maps_id_and_keeps_order(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  bson_t *src = tu_bson("{\"z\": 1, \"_id\": \"abc\", \"a\": {\"n\": [1, 2]}, \"m\": null}");
  mongo_odm_doc_t *doc = mongo_odm_doc_from_bson(f->plain, src, &err);
  assert_non_null(doc);
  assert_ok(err);
  bson_destroy(src); /* copied */
  assert_string_equal(mongo_odm_doc_id(doc), "abc");
  assert_keys(mongo_odm_doc_fields(doc), "z,a,m");
  assert_to_bson_keys(doc, false, "_id,z,a,m");
  assert_true(mongo_odm_doc_is_extra(doc, "z"));
  mongo_odm_doc_destroy(doc);

  /* "id" is the id when there is no "_id" */
  src = tu_bson("{\"id\": \"from-id\", \"x\": 1}");
  doc = mongo_odm_doc_from_bson(f->plain, src, &err);
  assert_non_null(doc);
  assert_string_equal(mongo_odm_doc_id(doc), "from-id");
  assert_keys(mongo_odm_doc_fields(doc), "x");
  mongo_odm_doc_destroy(doc);
  bson_destroy(src);

  /* with both, "_id" wins wherever it is, and "id" is kept as an ordinary field (nothing
     stored is lost; it comes back in to_bson after "_id") */
  src = tu_bson("{\"id\": \"from-id\", \"_id\": \"from-underscore\"}");
  doc = mongo_odm_doc_from_bson(f->plain, src, &err);
  assert_string_equal(mongo_odm_doc_id(doc), "from-underscore");
  assert_keys(mongo_odm_doc_fields(doc), "id");
  assert_to_bson_keys(doc, false, "_id,id");
  mongo_odm_doc_destroy(doc);
  bson_destroy(src);

  /* no id at all: unset */
  src = tu_bson("{\"x\": 1}");
  doc = mongo_odm_doc_from_bson(f->plain, src, &err);
  assert_non_null(doc);
  assert_null(mongo_odm_doc_id(doc));
  assert_false(mongo_odm_doc_has(doc, "_id"));
  mongo_odm_doc_destroy(doc);
  bson_destroy(src);
}

static void test_from_bson_keeps_non_string_ids(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  bson_t *src = tu_bson("{\"_id\": {\"$oid\": \"507f1f77bcf86cd799439011\"}, \"a\": 1}");
  mongo_odm_doc_t *doc = mongo_odm_doc_from_bson(f->plain, src, &err);
  assert_non_null(doc);
  assert_string_equal(mongo_odm_doc_id(doc), "507f1f77bcf86cd799439011");
  const bson_value_t *id = mongo_odm_doc_get(doc, "_id");
  assert_int_equal(id->value_type, BSON_TYPE_OID);
  char hex[25];
  bson_oid_to_string(&id->value.v_oid, hex);
  assert_string_equal(hex, "507f1f77bcf86cd799439011");
  /* to_bson keeps the ObjectId type */
  bson_t out;
  assert_true(mongo_odm_doc_to_bson(doc, false, &out, &err));
  bson_iter_t iter;
  assert_true(bson_iter_init_find(&iter, &out, "_id"));
  assert_true(BSON_ITER_HOLDS_OID(&iter));
  bson_destroy(&out);
  mongo_odm_doc_destroy(doc);
  bson_destroy(src);

  src = tu_bson("{\"_id\": 12345, \"a\": 1}");
  doc = mongo_odm_doc_from_bson(f->plain, src, &err);
  assert_non_null(doc);
  assert_null(mongo_odm_doc_id(doc));
  assert_true(mongo_odm_doc_has(doc, "_id"));
  id = mongo_odm_doc_get(doc, "_id");
  assert_non_null(id);
  assert_int_equal(id->value_type, BSON_TYPE_INT32);
  assert_int_equal(id->value.v_int32, 12345);
  assert_true(mongo_odm_doc_to_bson(doc, false, &out, &err));
  tu_assert_bson_int(&out, "_id", 12345);
  bson_destroy(&out);
  mongo_odm_doc_destroy(doc);
  bson_destroy(src);

  /* an embedded-document id */
  src = tu_bson("{\"_id\": {\"k\": 1}}");
  doc = mongo_odm_doc_from_bson(f->plain, src, &err);
  assert_non_null(doc);
  assert_null(mongo_odm_doc_id(doc));
  assert_int_equal(mongo_odm_doc_get(doc, "_id")->value_type, BSON_TYPE_DOCUMENT);
  mongo_odm_doc_destroy(doc);
  bson_destroy(src);
}

static void test_from_bson_encoding_errors(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;

  static const uint8_t corrupt[] = {12, 0, 0, 0, 0x02, 'a', 0, 0xff, 0xff, 0xff, 0x7f, 0};
  bson_t bad;
  assert_true(bson_init_static(&bad, corrupt, sizeof corrupt));
  assert_null(mongo_odm_doc_from_bson(f->plain, &bad, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);

  bson_t *utf = bson_new();
  bson_append_utf8(utf, "s", -1, "ok\xff", 3);
  assert_null(mongo_odm_doc_from_bson(f->plain, utf, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  bson_destroy(utf);

  bson_t *bad_key = bson_new();
  bson_append_int32(bad_key, "k\xff", 2, 1);
  assert_null(mongo_odm_doc_from_bson(f->plain, bad_key, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  bson_destroy(bad_key);

  bson_t *nested_bad = tu_bson("{\"a\": {}}");
  bson_t *nested = bson_new();
  bson_t child;
  bson_append_document_begin(nested, "a", -1, &child);
  bson_append_utf8(&child, "s", -1, "\xc3", 1);
  bson_append_document_end(nested, &child);
  assert_null(mongo_odm_doc_from_bson(f->plain, nested, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  bson_destroy(nested);
  bson_destroy(nested_bad);

  bson_t *dollar = bson_new();
  bson_append_int32(dollar, "$key", -1, 1);
  assert_null(mongo_odm_doc_from_bson(f->plain, dollar, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_contains(err.message, "$key");
  bson_destroy(dollar);

  bson_t *empty_key = bson_new();
  bson_append_int32(empty_key, "", 0, 1);
  assert_null(mongo_odm_doc_from_bson(f->plain, empty_key, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  bson_destroy(empty_key);

  assert_null(mongo_odm_doc_from_bson(NULL, empty_key = tu_bson("{}"), &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(empty_key);
  assert_null(mongo_odm_doc_from_bson(f->plain, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
}

static void test_from_bson_validation_errors(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  bson_t *src = tu_bson("{\"_id\": \"x\", \"age\": 3}");
  assert_null(mongo_odm_doc_from_bson(f->typed, src, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'name'");
  bson_destroy(src);

  src = tu_bson("{\"_id\": \"x\", \"name\": \"n\", \"age\": \"three\"}");
  assert_null(mongo_odm_doc_from_bson(f->typed, src, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "'age'");
  bson_destroy(src);

  src = tu_bson("{\"name\": null}");
  assert_null(mongo_odm_doc_from_bson(f->typed, src, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  bson_destroy(src);

  /* a fitting document with extras: extras kept and flagged */
  src = tu_bson("{\"_id\": \"x\", \"name\": \"n\", \"big\": 5, \"note\": null, \"more\": true}");
  mongo_odm_doc_t *doc = mongo_odm_doc_from_bson(f->typed, src, &err);
  assert_non_null(doc);
  assert_ok(err);
  assert_true(mongo_odm_doc_is_extra(doc, "more"));
  assert_false(mongo_odm_doc_is_extra(doc, "big"));
  mongo_odm_doc_destroy(doc);
  bson_destroy(src);
}

/* ---- composite ids ------------------------------------------------------------------------ */

static mongo_odm_model_t *composite_model(bool declare) {
  mongo_odm_error_t err;
  mongo_odm_model_t *model = mongo_odm_model_new("composite", &err);
  assert_non_null(model);
  if (declare) {
    assert_true(mongo_odm_model_add_field(model, "tenant", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_NULLABLE, &err));
    assert_true(mongo_odm_model_add_field(model, "n", MONGO_ODM_TYPE_ANY, 0, &err));
  }
  const char *key[] = {"tenant", "n"};
  assert_true(mongo_odm_model_set_composite_key(model, key, 2, &err));
  return model;
}

static void test_composite_id_is_md5_of_rendered_values(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_model_t *model = composite_model(false);
  mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
  assert_true(mongo_odm_doc_set_utf8(doc, "tenant", "acme", &err));
  assert_true(mongo_odm_doc_set_double(doc, "n", 100.0, &err));
  const char *values[] = {"acme", "100.0"};
  char expected[33];
  assert_true(mongo_odm_generate_composite_id(values, 2, expected, &err));
  assert_string_equal(mongo_odm_doc_id(doc), expected);
  assert_true(is_lower_hex(mongo_odm_doc_id(doc), 32));
  assert_string_equal(mongo_odm_doc_get_utf8(doc, "_id"), expected);

  /* the explicit id is overridden */
  assert_true(mongo_odm_doc_set_id(doc, "explicit", &err));
  assert_ok(err);
  assert_string_equal(mongo_odm_doc_id(doc), expected);
  bson_t out;
  assert_true(mongo_odm_doc_to_bson(doc, false, &out, &err));
  tu_assert_bson_utf8(&out, "_id", expected);
  assert_keys(&out, "_id,tenant,n");
  bson_destroy(&out);

  /* changing a key field changes the id */
  assert_true(mongo_odm_doc_set_bool(doc, "n", true, &err));
  const char *values2[] = {"acme", "True"};
  assert_true(mongo_odm_generate_composite_id(values2, 2, expected, &err));
  assert_string_equal(mongo_odm_doc_id(doc), expected);

  /* loaded documents get the composite id whatever their _id */
  bson_t *src = tu_bson("{\"_id\": \"stale\", \"tenant\": \"acme\", \"n\": 7}");
  mongo_odm_doc_t *loaded = mongo_odm_doc_from_bson(model, src, &err);
  assert_non_null(loaded);
  const char *values3[] = {"acme", "7"};
  assert_true(mongo_odm_generate_composite_id(values3, 2, expected, &err));
  assert_string_equal(mongo_odm_doc_id(loaded), expected);
  mongo_odm_doc_destroy(loaded);
  bson_destroy(src);

  mongo_odm_doc_destroy(doc);
  mongo_odm_model_destroy(model);
}

static void test_composite_key_field_missing_or_null(void **state) {
  (void)state;
  mongo_odm_error_t err;
  bson_t out;
  /* declared key fields: missing and null are both "is None" */
  mongo_odm_model_t *model = composite_model(true);
  mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
  assert_true(mongo_odm_doc_set_int32(doc, "n", 1, &err));
  assert_null(mongo_odm_doc_id(doc));
  assert_false(mongo_odm_doc_has(doc, "_id"));
  assert_false(mongo_odm_doc_to_bson(doc, false, &out, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_string_equal(err.message, "Composite key field 'tenant' is None. All fields must have values.");
  bson_destroy(&out);

  assert_true(mongo_odm_doc_set_null(doc, "tenant", &err));
  assert_null(mongo_odm_doc_id(doc));
  assert_false(mongo_odm_doc_to_bson(doc, true, &out, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_string_equal(err.message, "Composite key field 'tenant' is None. All fields must have values.");
  bson_destroy(&out);

  assert_true(mongo_odm_doc_set_utf8(doc, "tenant", "t", &err));
  assert_non_null(mongo_odm_doc_id(doc));
  assert_true(mongo_odm_doc_remove(doc, "n"));
  assert_null(mongo_odm_doc_id(doc));
  assert_false(mongo_odm_doc_to_bson(doc, false, &out, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_string_equal(err.message, "Composite key field 'n' is None. All fields must have values.");
  bson_destroy(&out);
  mongo_odm_doc_destroy(doc);
  mongo_odm_model_destroy(model);

  /* undeclared key fields: null is "is None"; absent names the field too */
  model = composite_model(false);
  doc = mongo_odm_doc_new(model);
  assert_true(mongo_odm_doc_set_null(doc, "tenant", &err));
  assert_true(mongo_odm_doc_set_int32(doc, "n", 1, &err));
  assert_false(mongo_odm_doc_to_bson(doc, false, &out, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_string_equal(err.message, "Composite key field 'tenant' is None. All fields must have values.");
  bson_destroy(&out);
  assert_true(mongo_odm_doc_remove(doc, "tenant"));
  assert_false(mongo_odm_doc_to_bson(doc, false, &out, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_contains(err.message, "Composite key field 'tenant'");
  bson_destroy(&out);
  mongo_odm_doc_destroy(doc);
  mongo_odm_model_destroy(model);
}

static void test_composite_key_value_without_string_form(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_model_t *model = composite_model(false);
  mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
  assert_true(mongo_odm_doc_set_utf8(doc, "tenant", "t", &err));
  bson_t *sub = tu_bson("{\"x\": 1}");
  assert_true(mongo_odm_doc_set_document(doc, "n", sub, &err));
  bson_destroy(sub);
  assert_null(mongo_odm_doc_id(doc));
  bson_t out;
  assert_false(mongo_odm_doc_to_bson(doc, false, &out, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_contains(err.message, "'n'");
  bson_destroy(&out);
  mongo_odm_doc_destroy(doc);
  mongo_odm_model_destroy(model);
}

/* ---- aliasing and copies ----------------------------------------------------------------- */

/* set_value(doc, "b", doc_get(doc, "a")): the value points into the document's own buffer,
 * which the append may reallocate. */
static void test_self_aliasing_set_value(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(f->plain);
  /* a string, while the buffer is still small (inline storage moving to the heap) */
  assert_true(mongo_odm_doc_set_utf8(doc, "a", "a string long enough to matter: 0123456789abcdef", &err));
  for (int i = 0; i < 6; ++i) {
    char key[8];
    snprintf(key, sizeof key, "s%d", i);
    assert_true(mongo_odm_doc_set_value(doc, key, mongo_odm_doc_get(doc, "a"), &err));
    assert_ok(err);
  }
  assert_string_equal(mongo_odm_doc_get_utf8(doc, "s5"), "a string long enough to matter: 0123456789abcdef");

  /* an embedded document, big enough to force reallocations */
  bson_t *sub = bson_new();
  for (int i = 0; i < 200; ++i) {
    char key[16];
    snprintf(key, sizeof key, "k%d", i);
    BSON_APPEND_INT32(sub, key, i);
  }
  assert_true(mongo_odm_doc_set_document(doc, "d", sub, &err));
  for (int i = 0; i < 4; ++i) {
    char key[8];
    snprintf(key, sizeof key, "d%d", i);
    assert_true(mongo_odm_doc_set_value(doc, key, mongo_odm_doc_get(doc, "d"), &err));
    assert_ok(err);
  }
  const bson_value_t *copy = mongo_odm_doc_get(doc, "d3");
  assert_int_equal(copy->value_type, BSON_TYPE_DOCUMENT);
  bson_t view;
  assert_true(bson_init_static(&view, copy->value.v_doc.data, copy->value.v_doc.data_len));
  assert_true(bson_equal(&view, sub));

  /* replacing an existing key with another key's value, and with its own value */
  assert_true(mongo_odm_doc_set_value(doc, "a", mongo_odm_doc_get(doc, "d"), &err));
  assert_true(mongo_odm_doc_set_value(doc, "d", mongo_odm_doc_get(doc, "d"), &err));
  assert_true(mongo_odm_doc_set_value(doc, "s0", mongo_odm_doc_get(doc, "s1"), &err));
  copy = mongo_odm_doc_get(doc, "a");
  assert_true(bson_init_static(&view, copy->value.v_doc.data, copy->value.v_doc.data_len));
  assert_true(bson_equal(&view, sub));
  copy = mongo_odm_doc_get(doc, "d");
  assert_true(bson_init_static(&view, copy->value.v_doc.data, copy->value.v_doc.data_len));
  assert_true(bson_equal(&view, sub));
  assert_string_equal(mongo_odm_doc_get_utf8(doc, "s0"), "a string long enough to matter: 0123456789abcdef");
  assert_keys(mongo_odm_doc_fields(doc), "a,s0,s1,s2,s3,s4,s5,d,d0,d1,d2,d3");

  /* set_utf8 from a borrowed string of the same document */
  assert_true(mongo_odm_doc_set_utf8(doc, "t", mongo_odm_doc_get_utf8(doc, "s2"), &err));
  assert_string_equal(mongo_odm_doc_get_utf8(doc, "t"), "a string long enough to matter: 0123456789abcdef");
  /* set_id from a field, and a field from the id */
  assert_true(mongo_odm_doc_set_value(doc, "_id", mongo_odm_doc_get(doc, "s3"), &err));
  assert_string_equal(mongo_odm_doc_id(doc), "a string long enough to matter: 0123456789abcdef");
  assert_true(mongo_odm_doc_set_value(doc, "idcopy", mongo_odm_doc_get(doc, "_id"), &err));
  assert_string_equal(mongo_odm_doc_get_utf8(doc, "idcopy"), mongo_odm_doc_id(doc));
  assert_true(mongo_odm_doc_set_value(doc, "_id", mongo_odm_doc_get(doc, "_id"), &err));
  assert_string_equal(mongo_odm_doc_id(doc), "a string long enough to matter: 0123456789abcdef");
  bson_destroy(sub);
  mongo_odm_doc_destroy(doc);
}

static void test_doc_copy_is_deep(void **state) {
  fixture_t *f = *state;
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = typed_doc(f);
  assert_true(mongo_odm_doc_set_int32(doc, "age", 5, &err));
  bson_t *sub = tu_bson("{\"x\": \"y\"}");
  assert_true(mongo_odm_doc_set_document(doc, "extra", sub, &err));
  bson_destroy(sub);
  mongo_odm_doc_t *copy = mongo_odm_doc_copy(doc);
  assert_non_null(copy);
  assert_ptr_equal(mongo_odm_doc_model(copy), f->typed);
  assert_string_equal(mongo_odm_doc_id(copy), mongo_odm_doc_id(doc));
  assert_ptr_not_equal(mongo_odm_doc_id(copy), mongo_odm_doc_id(doc));

  bson_t a, b;
  assert_true(mongo_odm_doc_to_bson(doc, false, &a, &err));
  assert_true(mongo_odm_doc_to_bson(copy, false, &b, &err));
  assert_true(bson_equal(&a, &b));
  bson_destroy(&b);

  /* changing the copy leaves the original alone */
  assert_true(mongo_odm_doc_set_int32(copy, "age", 6, &err));
  assert_true(mongo_odm_doc_set_id(copy, "other", &err));
  assert_true(mongo_odm_doc_remove(copy, "extra"));
  bson_t again;
  assert_true(mongo_odm_doc_to_bson(doc, false, &again, &err));
  assert_true(bson_equal(&a, &again));
  bson_destroy(&again);
  bson_destroy(&a);

  /* the copy outlives the original */
  mongo_odm_doc_destroy(doc);
  int32_t age = 0;
  assert_true(mongo_odm_doc_get_int32(copy, "age", &age));
  assert_int_equal(age, 6);
  assert_string_equal(mongo_odm_doc_get_utf8(copy, "name"), "Alice");

  /* a raw (ObjectId) id is copied too */
  bson_t *src = tu_bson("{\"_id\": {\"$oid\": \"507f1f77bcf86cd799439011\"}, \"name\": \"n\"}");
  mongo_odm_doc_t *loaded = mongo_odm_doc_from_bson(f->typed, src, &err);
  bson_destroy(src);
  mongo_odm_doc_t *copy2 = mongo_odm_doc_copy(loaded);
  mongo_odm_doc_destroy(loaded);
  assert_string_equal(mongo_odm_doc_id(copy2), "507f1f77bcf86cd799439011");
  assert_int_equal(mongo_odm_doc_get(copy2, "_id")->value_type, BSON_TYPE_OID);
  mongo_odm_doc_destroy(copy2);
  mongo_odm_doc_destroy(copy);
  assert_null(mongo_odm_doc_copy(NULL));
  mongo_odm_doc_destroy(NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_doc_new_has_object_id_string),
      cmocka_unit_test(test_id_and_underscore_id_are_the_id),
      cmocka_unit_test(test_set_id_null_clears),
      cmocka_unit_test(test_every_typed_setter_and_getter),
      cmocka_unit_test(test_set_value_other_types),
      cmocka_unit_test(test_corrupt_embedded_document_rejected),
      cmocka_unit_test(test_invalid_keys),
      cmocka_unit_test(test_replace_keeps_position_and_remove),
      cmocka_unit_test(test_has_and_is_extra),
      cmocka_unit_test(test_exclude_none),
      cmocka_unit_test(test_to_bson_initializes_out_on_failure),
      cmocka_unit_test(test_declared_field_type_validation),
      cmocka_unit_test(test_int32_accepted_for_int64_and_double),
      cmocka_unit_test(test_nullable_field),
      cmocka_unit_test(test_required_field),
      cmocka_unit_test(test_from_bson_maps_id_and_keeps_order),
      cmocka_unit_test(test_from_bson_keeps_non_string_ids),
      cmocka_unit_test(test_from_bson_encoding_errors),
      cmocka_unit_test(test_from_bson_validation_errors),
      cmocka_unit_test(test_composite_id_is_md5_of_rendered_values),
      cmocka_unit_test(test_composite_key_field_missing_or_null),
      cmocka_unit_test(test_composite_key_value_without_string_form),
      cmocka_unit_test(test_self_aliasing_set_value),
      cmocka_unit_test(test_doc_copy_is_deep),
  };
  return cmocka_run_group_tests_name("doc", tests, setup, teardown);
}
