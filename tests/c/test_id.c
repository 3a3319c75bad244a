/* Ids: ObjectIds, composite ids and pair ids against tests/data/id-vectors.json (the vectors
 * every binding reproduces byte for byte), and the Python str() rendering of typed values. */
#include <ctype.h>

#include "test_util.h"

static bson_t *load_vectors(void) {
  char *json = tu_read_file(MONGO_ODM_TEST_DATA_DIR "/id-vectors.json");
  bson_error_t error;
  bson_t *doc = bson_new_from_json((const uint8_t *)json, -1, &error);
  if (!doc) {
    print_error("id-vectors.json: %s\n", error.message);
    fail();
  }
  free(json);
  return doc;
}

static void test_generate_id_is_24_lowercase_hex_and_unique(void **state) {
  (void)state;
  char a[25], b[25];
  mongo_odm_generate_id(a);
  mongo_odm_generate_id(b);
  assert_int_equal(strlen(a), 24);
  for (int i = 0; i < 24; ++i) assert_true(isdigit((unsigned char)a[i]) || (a[i] >= 'a' && a[i] <= 'f'));
  assert_string_not_equal(a, b);
  assert_true(mongo_odm_id_is_object_id(a));
  assert_false(mongo_odm_id_is_object_id("xyz"));
  assert_false(mongo_odm_id_is_object_id(NULL));
  assert_false(mongo_odm_id_is_object_id("0123456789abcdef0123456789"));
  mongo_odm_generate_id(NULL); /* documented no-op */
}

static void test_composite_vectors(void **state) {
  (void)state;
  bson_t *vectors = load_vectors();
  bson_iter_t iter, list, item;
  assert_true(bson_iter_init_find(&iter, vectors, "composite"));
  assert_true(bson_iter_recurse(&iter, &list));
  int checked = 0;
  while (bson_iter_next(&list)) {
    assert_true(bson_iter_recurse(&list, &item));
    const char *strs[16];
    size_t n = 0;
    const char *md5 = NULL;
    bson_iter_t field, str_iter;
    assert_true(bson_iter_find_descendant(&item, "md5", &field));
    md5 = bson_iter_utf8(&field, NULL);
    assert_true(bson_iter_recurse(&list, &item));
    assert_true(bson_iter_find(&item, "str"));
    assert_true(bson_iter_recurse(&item, &str_iter));
    while (bson_iter_next(&str_iter) && n < 16) strs[n++] = bson_iter_utf8(&str_iter, NULL);
    char out[33];
    mongo_odm_error_t err;
    assert_true(mongo_odm_generate_composite_id(strs, n, out, &err));
    assert_ok(err);
    assert_string_equal(out, md5);
    ++checked;
  }
  assert_int_equal(checked, 11);
  bson_destroy(vectors);
}

static void test_pair_vectors(void **state) {
  (void)state;
  bson_t *vectors = load_vectors();
  bson_iter_t iter, list, item, pairs, pair, kv;
  assert_true(bson_iter_init_find(&iter, vectors, "pairs"));
  assert_true(bson_iter_recurse(&iter, &list));
  int checked = 0;
  while (bson_iter_next(&list)) {
    const char *keys[16], *values[16];
    size_t n = 0;
    assert_true(bson_iter_recurse(&list, &item));
    assert_true(bson_iter_find(&item, "pairs"));
    assert_true(bson_iter_recurse(&item, &pairs));
    while (bson_iter_next(&pairs)) {
      assert_true(bson_iter_recurse(&pairs, &pair));
      assert_true(bson_iter_next(&pair));
      keys[n] = bson_iter_utf8(&pair, NULL);
      assert_true(bson_iter_next(&pair));
      values[n] = bson_iter_utf8(&pair, NULL);
      ++n;
    }
    assert_true(bson_iter_recurse(&list, &kv));
    assert_true(bson_iter_find(&kv, "md5"));
    char out[33];
    mongo_odm_error_t err;
    assert_true(mongo_odm_generate_id_from_pairs(keys, values, n, out, &err));
    assert_ok(err);
    assert_string_equal(out, bson_iter_utf8(&kv, NULL));
    ++checked;
  }
  assert_int_equal(checked, 7);
  bson_destroy(vectors);
}

static void test_composite_id_errors(void **state) {
  (void)state;
  char out[33];
  mongo_odm_error_t err;
  const char *bad[] = {"ok", "\xff\xfe"};
  assert_false(mongo_odm_generate_composite_id(bad, 2, out, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  const char *with_null[] = {"a", NULL};
  assert_false(mongo_odm_generate_composite_id(with_null, 2, out, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(mongo_odm_generate_composite_id(NULL, 1, out, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  /* zero values: the md5 of "" */
  assert_true(mongo_odm_generate_composite_id(NULL, 0, out, &err));
  assert_string_equal(out, "d41d8cd98f00b204e9800998ecf8427e");
}

static void test_pair_id_errors(void **state) {
  (void)state;
  char out[33];
  mongo_odm_error_t err;
  const char *keys[] = {"a", "a"};
  const char *values[] = {"1", "2"};
  assert_false(mongo_odm_generate_id_from_pairs(keys, values, 2, out, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_contains(err.message, "twice");
  assert_false(mongo_odm_generate_id_from_pairs(keys, values, 0, out, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  const char *bad_keys[] = {"k\xc3"};
  assert_false(mongo_odm_generate_id_from_pairs(bad_keys, values, 1, out, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
}

/* The _n variants hash every byte, NUL included (as Python hashes str()), so values that
 * differ only after a NUL get different ids; with NULL lengths they equal the C-string forms. */
static void test_ids_with_lengths(void **state) {
  (void)state;
  char out[33], other[33], plain[33];
  mongo_odm_error_t err;
  const char *values[] = {"a\0b", "1"};
  const size_t lengths[] = {3, 1};
  assert_true(mongo_odm_generate_composite_id_n(values, lengths, 2, out, &err));
  assert_string_equal(out, "1c288c80043d0d7f789914a3a912dd90"); /* md5(b"a\x00b1") */
  const char *values2[] = {"a\0c", "1"};
  assert_true(mongo_odm_generate_composite_id_n(values2, lengths, 2, other, &err));
  assert_string_not_equal(out, other);
  assert_true(mongo_odm_generate_composite_id_n(values, NULL, 2, other, &err));
  assert_true(mongo_odm_generate_composite_id(values, 2, plain, &err));
  assert_string_equal(other, plain); /* md5("a1") */
  const char *bad[] = {"ok\0\xff"};
  const size_t bad_len[] = {4};
  assert_false(mongo_odm_generate_composite_id_n(bad, bad_len, 1, out, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);

  const char *keys[] = {"k\0x", "k"};
  const size_t key_lengths[] = {3, 1};
  const char *pair_values[] = {"v", "w\0z"};
  const size_t value_lengths[] = {1, 3};
  assert_true(mongo_odm_generate_id_from_pairs_n(keys, key_lengths, pair_values, value_lengths, 2, out, &err));
  assert_string_equal(out, "e04abdb41c0f89ead343dfd8102b0649");
  /* with NULL lengths both keys are "k": given twice */
  assert_false(mongo_odm_generate_id_from_pairs_n(keys, NULL, pair_values, NULL, 2, out, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_contains(err.message, "twice");
}

/* A composite-key document renders typed values as Python's str() does before hashing. */
static void check_rendering(const bson_value_t *value, const char *python_str) {
  mongo_odm_error_t err;
  mongo_odm_model_t *model = mongo_odm_model_new(NULL, &err);
  const char *fields[] = {"k"};
  assert_true(mongo_odm_model_set_composite_key(model, fields, 1, &err));
  mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
  assert_true(mongo_odm_doc_set_value(doc, "k", value, &err));
  char expected[33];
  assert_true(mongo_odm_generate_composite_id(&python_str, 1, expected, &err));
  const char *id = mongo_odm_doc_id(doc);
  assert_non_null(id);
  if (strcmp(id, expected) != 0) {
    print_error("rendering of type %d differs from Python's str() '%s'\n", (int)value->value_type, python_str);
    fail();
  }
  mongo_odm_doc_destroy(doc);
  mongo_odm_model_destroy(model);
}

static void test_python_str_rendering(void **state) {
  (void)state;
  bson_value_t v;
  memset(&v, 0, sizeof v);
  v.value_type = BSON_TYPE_DOUBLE;
  struct {
    double d;
    const char *s;
  } doubles[] = {{100.0, "100.0"},   {2.5e-07, "2.5e-07"}, {-0.5, "-0.5"},   {1.5, "1.5"},
                 {1e16, "1e+16"},    {1e15, "1000000000000000.0"},        {0.0001, "0.0001"},
                 {0.00001, "1e-05"}, {0.1, "0.1"},         {-0.0, "-0.0"},   {123456789.125, "123456789.125"},
                 {1.0 / 3.0, "0.3333333333333333"},        {1e100, "1e+100"}};
  for (size_t i = 0; i < sizeof doubles / sizeof doubles[0]; ++i) {
    v.value.v_double = doubles[i].d;
    check_rendering(&v, doubles[i].s);
  }
  v.value_type = BSON_TYPE_INT32;
  v.value.v_int32 = -7;
  check_rendering(&v, "-7");
  v.value_type = BSON_TYPE_INT64;
  v.value.v_int64 = INT64_C(9007199254740993);
  check_rendering(&v, "9007199254740993");
  v.value_type = BSON_TYPE_BOOL;
  v.value.v_bool = true;
  check_rendering(&v, "True");
  v.value.v_bool = false;
  check_rendering(&v, "False");
  v.value_type = BSON_TYPE_DATE_TIME;
  v.value.v_datetime = INT64_C(1704164645123); /* 2024-01-02 03:04:05.123 UTC */
  check_rendering(&v, "2024-01-02 03:04:05.123000");
  v.value.v_datetime = INT64_C(1704164645000);
  check_rendering(&v, "2024-01-02 03:04:05");
  v.value_type = BSON_TYPE_OID;
  bson_oid_init_from_string(&v.value.v_oid, "507f1f77bcf86cd799439011");
  check_rendering(&v, "507f1f77bcf86cd799439011");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_generate_id_is_24_lowercase_hex_and_unique),
      cmocka_unit_test(test_composite_vectors),
      cmocka_unit_test(test_pair_vectors),
      cmocka_unit_test(test_composite_id_errors),
      cmocka_unit_test(test_pair_id_errors),
      cmocka_unit_test(test_ids_with_lengths),
      cmocka_unit_test(test_python_str_rendering),
  };
  return cmocka_run_group_tests_name("id", tests, tu_setup_library, tu_teardown_library);
}
