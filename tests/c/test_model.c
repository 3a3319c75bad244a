/* Models: creation and collection-name validation, composite keys, declared fields, and the
 * bring-your-own-collection setter. No server. */
#include "test_util.h"

static void test_model_new_valid_names(void **state) {
  (void)state;
  const char *names[] = {"users", "a", "with.dot", "with space", "Ünïcode_名前", "x.system.y", "systemx", "_id"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
    mongo_odm_error_t err;
    memset(&err, 0x5a, sizeof err); /* garbage in: success must reset it */
    mongo_odm_model_t *model = mongo_odm_model_new(names[i], &err);
    assert_non_null(model);
    assert_ok(err);
    assert_int_equal(err.server_code, 0);
    assert_string_equal(err.message, "");
    assert_string_equal(mongo_odm_model_collection_name(model), names[i]);
    /* the name is copied */
    assert_ptr_not_equal(mongo_odm_model_collection_name(model), names[i]);
    assert_int_equal(mongo_odm_model_field_count(model), 0);
    assert_int_equal(mongo_odm_model_composite_key_size(model), 0);
    assert_null(mongo_odm_model_composite_key_field(model, 0));
    mongo_odm_model_destroy(model);
  }
}

static void test_model_new_null_name(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_model_t *model = mongo_odm_model_new(NULL, &err);
  assert_non_null(model);
  assert_ok(err);
  assert_null(mongo_odm_model_collection_name(model));
  /* it can still build documents */
  mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
  assert_non_null(doc);
  assert_ptr_equal(mongo_odm_doc_model(doc), model);
  mongo_odm_doc_destroy(doc);
  mongo_odm_model_destroy(model);
}

static void test_model_new_invalid_names(void **state) {
  (void)state;
  const char *names[] = {"", "a$b", "$cmd", "system.x", "system.users", "bad\xff\xfe", "\xc3(", "trunc\xe2\x82"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
    mongo_odm_error_t err;
    mongo_odm_model_t *model = mongo_odm_model_new(names[i], &err);
    assert_null(model);
    assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
    assert_int_equal(err.server_code, 0);
    /* also without an error struct */
    assert_null(mongo_odm_model_new(names[i], NULL));
  }
  mongo_odm_error_t err;
  assert_null(mongo_odm_model_new("a$b", &err));
  assert_contains(err.message, "a$b");
  assert_null(mongo_odm_model_new("system.x", &err));
  assert_contains(err.message, "system.");
  assert_null(mongo_odm_model_new("", &err));
  assert_contains(err.message, "empty");
  assert_null(mongo_odm_model_new("bad\xff", &err));
  assert_contains(err.message, "UTF-8");
}

static void test_model_destroy_null(void **state) {
  (void)state;
  mongo_odm_model_destroy(NULL);
  assert_null(mongo_odm_model_collection_name(NULL));
  assert_int_equal(mongo_odm_model_field_count(NULL), 0);
  assert_int_equal(mongo_odm_model_composite_key_size(NULL), 0);
  assert_null(mongo_odm_model_composite_key_field(NULL, 0));
}

static void test_composite_key_set_get(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_model_t *model = mongo_odm_model_new("ck", &err);
  char a[] = "tenant", b[] = "user";
  const char *fields[] = {a, b};
  assert_true(mongo_odm_model_set_composite_key(model, fields, 2, &err));
  assert_ok(err);
  /* the names are copied */
  a[0] = 'X';
  b[0] = 'X';
  assert_int_equal(mongo_odm_model_composite_key_size(model), 2);
  assert_string_equal(mongo_odm_model_composite_key_field(model, 0), "tenant");
  assert_string_equal(mongo_odm_model_composite_key_field(model, 1), "user");
  assert_null(mongo_odm_model_composite_key_field(model, 2));
  assert_null(mongo_odm_model_composite_key_field(model, (size_t)-1));

  /* a new key replaces the old one */
  const char *one[] = {"email"};
  assert_true(mongo_odm_model_set_composite_key(model, one, 1, &err));
  assert_int_equal(mongo_odm_model_composite_key_size(model), 1);
  assert_string_equal(mongo_odm_model_composite_key_field(model, 0), "email");
  assert_null(mongo_odm_model_composite_key_field(model, 1));

  /* key fields need not be declared; nested-looking names are plain keys */
  const char *dotted[] = {"a.b", "c"};
  assert_true(mongo_odm_model_set_composite_key(model, dotted, 2, &err));
  assert_int_equal(mongo_odm_model_composite_key_size(model), 2);
  mongo_odm_model_destroy(model);
}

static void test_composite_key_errors(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_model_t *model = mongo_odm_model_new("ck", &err);
  const char *good[] = {"k"};
  assert_true(mongo_odm_model_set_composite_key(model, good, 1, &err));

  /* empty list */
  assert_false(mongo_odm_model_set_composite_key(model, good, 0, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_string_equal(err.message, "composite_key must be a non-empty list");
  assert_false(mongo_odm_model_set_composite_key(model, NULL, 0, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  assert_string_equal(err.message, "composite_key must be a non-empty list");

  /* NULL array, NULL element */
  assert_false(mongo_odm_model_set_composite_key(model, NULL, 2, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  const char *with_null[] = {"a", NULL};
  assert_false(mongo_odm_model_set_composite_key(model, with_null, 2, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);

  /* the id cannot be a key field */
  const char *id[] = {"a", "_id"};
  assert_false(mongo_odm_model_set_composite_key(model, id, 2, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  const char *id2[] = {"id"};
  assert_false(mongo_odm_model_set_composite_key(model, id2, 1, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);

  /* invalid names */
  const char *bad[][1] = {{""}, {"$x"}, {"bad\xff"}};
  for (size_t i = 0; i < 3; ++i) {
    assert_false(mongo_odm_model_set_composite_key(model, bad[i], 1, &err));
    assert_true(err.code == MONGO_ODM_ERROR_INVALID_ARGUMENT || err.code == MONGO_ODM_ERROR_ENCODING);
    assert_true(err.message[0] != '\0');
  }

  /* NULL model */
  assert_false(mongo_odm_model_set_composite_key(NULL, good, 1, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);

  /* failures leave the previous key untouched */
  assert_int_equal(mongo_odm_model_composite_key_size(model), 1);
  assert_string_equal(mongo_odm_model_composite_key_field(model, 0), "k");
  mongo_odm_model_destroy(model);
}

static void test_add_field_and_count(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_model_t *model = mongo_odm_model_new(NULL, &err);
  const mongo_odm_field_type_t types[] = {
      MONGO_ODM_TYPE_ANY,      MONGO_ODM_TYPE_UTF8,  MONGO_ODM_TYPE_INT32,    MONGO_ODM_TYPE_INT64,
      MONGO_ODM_TYPE_DOUBLE,   MONGO_ODM_TYPE_BOOL,  MONGO_ODM_TYPE_DATETIME, MONGO_ODM_TYPE_OID,
      MONGO_ODM_TYPE_DOCUMENT, MONGO_ODM_TYPE_ARRAY, MONGO_ODM_TYPE_BINARY,   MONGO_ODM_TYPE_DECIMAL128};
  const unsigned flags[] = {0, MONGO_ODM_FIELD_REQUIRED, MONGO_ODM_FIELD_NULLABLE,
                            MONGO_ODM_FIELD_REQUIRED | MONGO_ODM_FIELD_NULLABLE};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; ++i) {
    char name[32];
    snprintf(name, sizeof name, "f%zu", i);
    assert_true(mongo_odm_model_add_field(model, name, types[i], flags[i % 4], &err));
    assert_ok(err);
    assert_int_equal(mongo_odm_model_field_count(model), i + 1);
  }
  /* the enumeration is the contract's */
  assert_int_equal(MONGO_ODM_TYPE_ANY, 0);
  assert_int_equal(MONGO_ODM_TYPE_DECIMAL128, 11);
  assert_int_equal(MONGO_ODM_FIELD_REQUIRED, 1);
  assert_int_equal(MONGO_ODM_FIELD_NULLABLE, 2);
  /* names that only look special are fine */
  assert_true(mongo_odm_model_add_field(model, "a.b", MONGO_ODM_TYPE_ANY, 0, &err));
  assert_true(mongo_odm_model_add_field(model, "x$", MONGO_ODM_TYPE_ANY, 0, &err));
  assert_true(mongo_odm_model_add_field(model, "ID", MONGO_ODM_TYPE_ANY, 0, &err));
  assert_true(mongo_odm_model_add_field(model, "__id", MONGO_ODM_TYPE_ANY, 0, &err));
  assert_int_equal(mongo_odm_model_field_count(model), 16);
  mongo_odm_model_destroy(model);
}

static void test_add_field_errors(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_model_t *model = mongo_odm_model_new(NULL, &err);
  assert_true(mongo_odm_model_add_field(model, "name", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED, &err));

  assert_false(mongo_odm_model_add_field(NULL, "x", MONGO_ODM_TYPE_UTF8, 0, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(mongo_odm_model_add_field(model, NULL, MONGO_ODM_TYPE_UTF8, 0, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);

  const char *bad_names[] = {"", "$x", "$", "bad\xff", "id", "_id"};
  for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; ++i) {
    assert_false(mongo_odm_model_add_field(model, bad_names[i], MONGO_ODM_TYPE_UTF8, 0, &err));
    assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  }

  /* unknown type */
  assert_false(mongo_odm_model_add_field(model, "t", (mongo_odm_field_type_t)12, 0, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_contains(err.message, "type");
  assert_false(mongo_odm_model_add_field(model, "t", (mongo_odm_field_type_t)-1, 0, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(mongo_odm_model_add_field(model, "t", (mongo_odm_field_type_t)1000, 0, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(mongo_odm_model_add_field(model, "t", (mongo_odm_field_type_t)0x7fffffff, 0, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(mongo_odm_model_add_field(model, "t", (mongo_odm_field_type_t)(MONGO_ODM_TYPE_DECIMAL128 + 1), 0, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);

  /* unknown flags */
  assert_false(mongo_odm_model_add_field(model, "t", MONGO_ODM_TYPE_UTF8, 4u, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_contains(err.message, "flag");
  assert_false(mongo_odm_model_add_field(model, "t", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED | 0x80000000u, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);

  /* declared twice, even with another type */
  assert_false(mongo_odm_model_add_field(model, "name", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_contains(err.message, "name");
  assert_false(mongo_odm_model_add_field(model, "name", MONGO_ODM_TYPE_INT32, 0, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);

  /* nothing was added by the failures; error=NULL does not crash */
  assert_int_equal(mongo_odm_model_field_count(model), 1);
  assert_false(mongo_odm_model_add_field(model, "$bad", MONGO_ODM_TYPE_ANY, 0, NULL));
  assert_false(mongo_odm_model_add_field(NULL, "x", MONGO_ODM_TYPE_ANY, 0, NULL));
  assert_int_equal(mongo_odm_model_field_count(model), 1);
  mongo_odm_model_destroy(model);
}

/* Declared fields drive validation: covered in depth by test_doc; here the model side. */
static void test_declared_field_makes_field_not_extra(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_model_t *model = mongo_odm_model_new(NULL, &err);
  assert_true(mongo_odm_model_add_field(model, "age", MONGO_ODM_TYPE_INT32, 0, &err));
  mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
  assert_true(mongo_odm_doc_set_int32(doc, "age", 3, &err));
  assert_true(mongo_odm_doc_set_int32(doc, "other", 3, &err));
  assert_false(mongo_odm_doc_is_extra(doc, "age"));
  assert_true(mongo_odm_doc_is_extra(doc, "other"));
  assert_false(mongo_odm_doc_set_utf8(doc, "age", "three", &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  mongo_odm_doc_destroy(doc);
  mongo_odm_model_destroy(model);
}

static void test_set_collection_null(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_model_t *model = mongo_odm_model_new("m", &err);
  /* NULL restores the default (already the default): fine */
  assert_true(mongo_odm_model_set_collection(model, NULL, &err));
  assert_ok(err);
  assert_false(mongo_odm_model_set_collection(NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(mongo_odm_model_set_collection(NULL, NULL, NULL));

  /* a collection of an unconnected client can be set and unset without a server call */
  mongo_odm_client_t *client = mongo_odm_client_new("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200", NULL, NULL, &err);
  assert_non_null(client);
  mongo_odm_collection_t *coll = mongo_odm_collection_new(client, "db", "other", &err);
  assert_non_null(coll);
  assert_true(mongo_odm_model_set_collection(model, coll, &err));
  assert_ok(err);
  /* the model keeps its own name */
  assert_string_equal(mongo_odm_model_collection_name(model), "m");
  assert_true(mongo_odm_model_set_collection(model, NULL, &err));
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);

  /* a model without a name can have a collection */
  mongo_odm_model_t *anon = mongo_odm_model_new(NULL, &err);
  client = mongo_odm_client_new("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200", NULL, NULL, &err);
  coll = mongo_odm_collection_new(client, "db", "other", &err);
  assert_true(mongo_odm_model_set_collection(anon, coll, &err));
  assert_null(mongo_odm_model_collection_name(anon));
  /* the model may outlive the handles it was given once they are replaced */
  assert_true(mongo_odm_model_set_collection(anon, NULL, &err));
  mongo_odm_collection_destroy(coll);
  mongo_odm_client_destroy(client);
  mongo_odm_model_destroy(anon);
  mongo_odm_model_destroy(model);
}

/* mongo_odm_model_field_type(): the declaration of a declared field, false for the rest. */
static void test_field_type(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_model_t *model = mongo_odm_model_new("ft", &err);
  assert_true(mongo_odm_model_add_field(model, "age", MONGO_ODM_TYPE_INT32, MONGO_ODM_FIELD_REQUIRED, &err));
  assert_true(mongo_odm_model_add_field(model, "note", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_NULLABLE, &err));
  assert_true(mongo_odm_model_add_field(model, "big", MONGO_ODM_TYPE_INT64, 0, &err));
  mongo_odm_field_type_t type = MONGO_ODM_TYPE_ANY;
  unsigned flags = 99;
  assert_true(mongo_odm_model_field_type(model, "age", &type, &flags));
  assert_int_equal(type, MONGO_ODM_TYPE_INT32);
  assert_int_equal(flags, MONGO_ODM_FIELD_REQUIRED);
  assert_true(mongo_odm_model_field_type(model, "note", &type, &flags));
  assert_int_equal(type, MONGO_ODM_TYPE_UTF8);
  assert_int_equal(flags, MONGO_ODM_FIELD_NULLABLE);
  assert_true(mongo_odm_model_field_type(model, "big", &type, NULL));
  assert_int_equal(type, MONGO_ODM_TYPE_INT64);
  type = MONGO_ODM_TYPE_BOOL;
  flags = 99;
  assert_false(mongo_odm_model_field_type(model, "extra", &type, &flags));
  assert_false(mongo_odm_model_field_type(model, "age.x", &type, &flags));
  assert_false(mongo_odm_model_field_type(model, "_id", &type, &flags));
  assert_int_equal(type, MONGO_ODM_TYPE_BOOL); /* untouched */
  assert_int_equal(flags, 99);
  mongo_odm_model_destroy(model);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_model_new_valid_names),
      cmocka_unit_test(test_model_new_null_name),
      cmocka_unit_test(test_model_new_invalid_names),
      cmocka_unit_test(test_model_destroy_null),
      cmocka_unit_test(test_composite_key_set_get),
      cmocka_unit_test(test_composite_key_errors),
      cmocka_unit_test(test_add_field_and_count),
      cmocka_unit_test(test_field_type),
      cmocka_unit_test(test_add_field_errors),
      cmocka_unit_test(test_declared_field_makes_field_not_extra),
      cmocka_unit_test(test_set_collection_null),
  };
  return cmocka_run_group_tests_name("model", tests, tu_setup_library, tu_teardown_library);
}
