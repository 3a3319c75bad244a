/* The C half of the "Bad input" table of docs/reliability.md: every row is a hostile or
 * invalid input, the entry point it goes to, and the error code and message fragment it must
 * get. Each row runs as its own cmocka test; the table in the documentation is generated from
 * ROWS (tools/bad_input_table.py) and checked against it:
 *
 *   test_bad_input_table                   run the rows
 *   test_bad_input_table --markdown        print the rows as markdown table lines
 *   test_bad_input_table --check-doc FILE  fail unless FILE lists exactly these C rows, in order
 *
 * No server is needed: the store paths (insert, replace, save) must refuse bad documents
 * before any server call, so they go to a client of an address where nothing listens. */
#include "test_util.h"

typedef struct {
  mongo_odm_model_t *plain;     /* schema-less */
  mongo_odm_model_t *typed;     /* name: utf8 REQUIRED, age: int32, note: utf8 NULLABLE */
  mongo_odm_model_t *composite; /* composite key (tenant, n), stored through `coll` */
  mongo_odm_client_t *client;   /* of 127.0.0.1:9, where no server listens */
  mongo_odm_collection_t *coll;
} fixture_t;

static fixture_t F;

typedef bool (*row_fn)(mongo_odm_error_t *err);

typedef struct {
  const char *id;
  const char *input;    /* what the caller passes (markdown) */
  const char *entry;    /* the function called */
  uint32_t code;        /* the error it must get */
  const char *fragment; /* a part of the message it must get */
  row_fn run;           /* makes the call; returns the function's result (must be false) */
} row_t;

/* ---- helpers ------------------------------------------------------------------------------ */

/* A bson_t over raw bytes (their length prefix must be right); NULL when libbson refuses it. */
static bson_t *raw_bson(const uint8_t *data, size_t len) { return bson_new_from_data(data, len); }

/* from_bson of `b` (destroyed) against `model`: false when it fails (the document is freed). */
static bool load(const mongo_odm_model_t *model, bson_t *b, mongo_odm_error_t *err) {
  mongo_odm_doc_t *doc = mongo_odm_doc_from_bson(model, b, err);
  bson_destroy(b);
  mongo_odm_doc_destroy(doc);
  return doc != NULL;
}

static bool load_raw(const mongo_odm_model_t *model, const uint8_t *data, size_t len, mongo_odm_error_t *err) {
  bson_t *b = raw_bson(data, len);
  assert_non_null(b);
  return load(model, b, err);
}

static bool load_json(const mongo_odm_model_t *model, const char *json, mongo_odm_error_t *err) {
  return load(model, tu_bson(json), err);
}

/* {key: <string value bytes>} */
static bool load_string_value(const char *key, const char *bytes, uint32_t n, mongo_odm_error_t *err) {
  bson_t *b = bson_new();
  bson_append_utf8(b, key, -1, bytes, (int)n);
  return load(F.plain, b, err);
}

/* The setter rows: `return destroy_doc(mongo_odm_doc_set_...(new_doc(model), ...));` calls the
 * setter on a new document of `model`, destroys it, and returns the setter's result. */
static mongo_odm_doc_t *g_doc;
static mongo_odm_doc_t *new_doc(const mongo_odm_model_t *model) { return g_doc = mongo_odm_doc_new(model); }
static bool destroy_doc(bool result) {
  mongo_odm_doc_destroy(g_doc);
  g_doc = NULL;
  return result;
}

static bool set_value_on_new(const char *key, const bson_value_t *v, mongo_odm_error_t *err) {
  return destroy_doc(mongo_odm_doc_set_value(new_doc(F.plain), key, v, err));
}

static bool set_int32_on_new(const mongo_odm_model_t *model, const char *key, mongo_odm_error_t *err) {
  return destroy_doc(mongo_odm_doc_set_int32(new_doc(model), key, 1, err));
}

static bool insert_json(const char *json, mongo_odm_error_t *err) {
  bson_t *b = tu_bson(json);
  bson_t reply;
  const bool ok = mongo_odm_collection_insert_one(F.coll, b, NULL, &reply, err);
  bson_destroy(&reply);
  bson_destroy(b);
  return ok;
}

/* {"name": "n", "a": {"x": 1}} whose embedded document ends in 0x01 instead of its NUL. */
static const uint8_t kBadTerminator[] = {0x20, 0, 0, 0,    0x02, 'n', 'a', 'm', 'e', 0, 2, 0, 0, 0, 'n', 0,
                                         0x03, 'a', 0,    0x0c, 0, 0, 0, 0x10, 'x', 0, 1, 0, 0, 0, 0x01, 0};

/* ---- rows: loading untrusted BSON (mongo_odm_doc_from_bson) --------------------------------- */

/* Found by fuzzing (regression-codewscope-terminator-crash): a code-with-scope whose code "y"
 * has 0x9c where its terminating NUL belongs. */
static bool r_codewscope_terminator(mongo_odm_error_t *err) {
  static const uint8_t d[] = {23, 0, 0, 0, 0x0f, 'c', 0, 15, 0, 0, 0, 2, 0, 0, 0, 'y', 0x9c, 5, 0, 0, 0, 0, 0};
  return load_raw(F.plain, d, sizeof d, err);
}
static bool r_corrupt_length(mongo_odm_error_t *err) {
  static const uint8_t d[] = {12, 0, 0, 0, 0x02, 'a', 0, 0xff, 0xff, 0xff, 0x7f, 0};
  return load_raw(F.plain, d, sizeof d, err);
}
static bool r_unknown_type(mongo_odm_error_t *err) {
  static const uint8_t d[] = {8, 0, 0, 0, 0x42, 'a', 0, 0};
  return load_raw(F.plain, d, sizeof d, err);
}
static bool r_bad_terminator(mongo_odm_error_t *err) { return load_raw(F.plain, kBadTerminator, sizeof kBadTerminator, err); }
static bool r_bad_utf8_string(mongo_odm_error_t *err) { return load_string_value("s", "ok\xff", 3, err); }
static bool r_overlong_nul(mongo_odm_error_t *err) { return load_string_value("s", "a\xc0\x80z", 4, err); }
static bool r_surrogate(mongo_odm_error_t *err) { return load_string_value("s", "\xed\xa0\x80", 3, err); }
static bool r_bad_utf8_key(mongo_odm_error_t *err) {
  static const uint8_t d[] = {13, 0, 0, 0, 0x10, 'k', 0xff, 0, 1, 0, 0, 0, 0};
  return load_raw(F.plain, d, sizeof d, err);
}
static bool r_dollar_key(mongo_odm_error_t *err) { return load_json(F.plain, "{\"$set\": {\"a\": 1}}", err); }
static bool r_empty_key(mongo_odm_error_t *err) { return load_json(F.plain, "{\"\": 1}", err); }
static bool r_deep(mongo_odm_error_t *err) {
  bson_t *docs[300];
  docs[0] = bson_new();
  for (int i = 1; i < 300; ++i) {
    docs[i] = bson_new();
    bson_append_document(docs[i], "n", -1, docs[i - 1]);
  }
  mongo_odm_doc_t *doc = mongo_odm_doc_from_bson(F.plain, docs[299], err);
  for (int i = 0; i < 300; ++i) bson_destroy(docs[i]);
  mongo_odm_doc_destroy(doc);
  return doc != NULL;
}
static bool r_bad_scope(mongo_odm_error_t *err) {
  /* {"c": code "x" with the scope {"a": int32 truncated}} */
  static const uint8_t d[] = {29, 0, 0, 0, 0x0f, 'c', 0, 19, 0, 0, 0, 2, 0, 0, 0, 'x', 0,
                              9,  0, 0, 0, 0x10, 'a', 0, 1, 0, 0, 0, 0};
  return load_raw(F.plain, d, sizeof d, err);
}
static bool r_nul_in_id(mongo_odm_error_t *err) { return load_string_value("_id", "a\0b", 3, err); }
static bool r_wrong_type(mongo_odm_error_t *err) { return load_json(F.typed, "{\"name\": \"n\", \"age\": \"three\"}", err); }
static bool r_required(mongo_odm_error_t *err) { return load_json(F.typed, "{\"age\": 3}", err); }
static bool r_null_not_nullable(mongo_odm_error_t *err) { return load_json(F.typed, "{\"name\": null}", err); }

/* ---- rows: setters ------------------------------------------------------------------------ */

static bool r_key_empty(mongo_odm_error_t *err) { return set_int32_on_new(F.plain, "", err); }
static bool r_key_dollar(mongo_odm_error_t *err) { return set_int32_on_new(F.plain, "$where", err); }
static bool r_key_utf8(mongo_odm_error_t *err) { return set_int32_on_new(F.plain, "k\xc3", err); }
static bool r_key_overlong(mongo_odm_error_t *err) { return set_int32_on_new(F.plain, "\xc0\x80", err); }
static bool r_set_declared_type(mongo_odm_error_t *err) { return set_int32_on_new(F.typed, "name", err); }
static bool r_set_null_required(mongo_odm_error_t *err) {
  return destroy_doc(mongo_odm_doc_set_null(new_doc(F.typed), "name", err));
}
static bool r_utf8_value(mongo_odm_error_t *err) {
  return destroy_doc(mongo_odm_doc_set_utf8(new_doc(F.plain), "s", "caf\xe9", err));
}

/* bson_value_t rows: static, so every byte the initializer does not name is zero. */
static bool r_value_overlong(mongo_odm_error_t *err) {
  static const bson_value_t v = {.value_type = BSON_TYPE_UTF8, .value.v_utf8 = {.str = "\xc0\x80", .len = 2}};
  return set_value_on_new("s", &v, err);
}
static bool r_unknown_tag(mongo_odm_error_t *err) {
  static const bson_value_t v = {.value_type = (bson_type_t)0x42};
  return set_value_on_new("v", &v, err);
}
static bool r_dbpointer_null(mongo_odm_error_t *err) {
  static const bson_value_t v = {.value_type = BSON_TYPE_DBPOINTER, .value.v_dbpointer.collection_len = 3}; /* NULL */
  return set_value_on_new("p", &v, err);
}
static bool r_codewscope_null(mongo_odm_error_t *err) {
  static const bson_value_t v = {.value_type = BSON_TYPE_CODEWSCOPE,
                                 .value.v_codewscope = {.code = "x", .code_len = 1, .scope_data = NULL, .scope_len = 5}};
  return set_value_on_new("c", &v, err);
}
static bool r_codewscope_corrupt(mongo_odm_error_t *err) {
  static const uint8_t scope[] = {9, 0, 0, 0, 0x10, 'a', 0, 1, 0}; /* int32 cut short */
  static const bson_value_t v = {
      .value_type = BSON_TYPE_CODEWSCOPE,
      .value.v_codewscope = {.code = "x", .code_len = 1, .scope_data = (uint8_t *)scope, .scope_len = sizeof scope}};
  return set_value_on_new("c", &v, err);
}
static bool r_code_past_len(mongo_odm_error_t *err) {
  /* libbson writes the C string, not code_len bytes */
  static const bson_value_t v = {.value_type = BSON_TYPE_CODE, .value.v_code = {.code = "x\xff\xfe", .code_len = 1}};
  return set_value_on_new("js", &v, err);
}
static bool r_regex_null(mongo_odm_error_t *err) {
  static const bson_value_t v = {.value_type = BSON_TYPE_REGEX, .value.v_regex = {.regex = "^a", .options = NULL}};
  return set_value_on_new("re", &v, err);
}
static bool r_binary_null(mongo_odm_error_t *err) {
  static const bson_value_t v = {.value_type = BSON_TYPE_BINARY, .value.v_binary.data_len = 3}; /* data NULL */
  return set_value_on_new("bin", &v, err);
}
static bool r_id_value_null_string(mongo_odm_error_t *err) {
  static const bson_value_t v = {.value_type = BSON_TYPE_UTF8, .value.v_utf8.len = 3}; /* str NULL */
  return set_value_on_new("_id", &v, err);
}

static bool r_set_document_terminator(mongo_odm_error_t *err) {
  bson_t inner;
  assert_true(bson_init_static(&inner, kBadTerminator, sizeof kBadTerminator));
  return destroy_doc(mongo_odm_doc_set_document(new_doc(F.plain), "sub", &inner, err));
}
static bool r_set_array_corrupt(mongo_odm_error_t *err) {
  static const uint8_t d[] = {12, 0, 0, 0, 0x02, '0', 0, 0xff, 0xff, 0xff, 0x7f, 0};
  bson_t arr;
  assert_true(bson_init_static(&arr, d, sizeof d));
  return destroy_doc(mongo_odm_doc_set_array(new_doc(F.plain), "tags", &arr, err));
}
static bool r_set_id_utf8(mongo_odm_error_t *err) {
  return destroy_doc(mongo_odm_doc_set_id(new_doc(F.plain), "\xff\xfe", err));
}

/* ---- rows: to_bson, save, ids, models ------------------------------------------------------ */

static bool r_composite_null(mongo_odm_error_t *err) {
  mongo_odm_doc_t *doc = mongo_odm_doc_new(F.composite);
  assert_true(mongo_odm_doc_set_utf8(doc, "tenant", "t", err));
  assert_true(mongo_odm_doc_set_null(doc, "n", err));
  bson_t out;
  const bool ok = mongo_odm_doc_to_bson(doc, false, &out, err);
  bson_destroy(&out);
  mongo_odm_doc_destroy(doc);
  return ok;
}
static bool r_composite_array(mongo_odm_error_t *err) {
  mongo_odm_doc_t *doc = mongo_odm_doc_new(F.composite);
  bson_t *arr = tu_bson("{\"0\": 1}");
  assert_true(mongo_odm_doc_set_utf8(doc, "tenant", "t", err));
  assert_true(mongo_odm_doc_set_array(doc, "n", arr, err));
  bson_destroy(arr);
  bson_t out;
  const bool ok = mongo_odm_doc_to_bson(doc, false, &out, err);
  bson_destroy(&out);
  mongo_odm_doc_destroy(doc);
  return ok;
}
static bool r_save_too_large(mongo_odm_error_t *err) {
  const size_t n = 17u * 1024 * 1024;
  char *big = malloc(n + 1);
  assert_non_null(big);
  memset(big, 'x', n);
  big[n] = '\0';
  mongo_odm_doc_t *doc = mongo_odm_doc_new(F.composite);
  assert_true(mongo_odm_doc_set_utf8(doc, "tenant", "t", err));
  assert_true(mongo_odm_doc_set_int32(doc, "n", 1, err));
  assert_true(mongo_odm_doc_set_utf8(doc, "blob", big, err));
  free(big);
  const bool ok = mongo_odm_doc_save(doc, false, err);
  mongo_odm_doc_destroy(doc);
  return ok;
}
static bool r_insert_dollar(mongo_odm_error_t *err) { return insert_json("{\"$inc\": {\"n\": 1}}", err); }
static bool r_insert_terminator(mongo_odm_error_t *err) {
  bson_t doc;
  assert_true(bson_init_static(&doc, kBadTerminator, sizeof kBadTerminator));
  bson_t reply;
  const bool ok = mongo_odm_collection_insert_one(F.coll, &doc, NULL, &reply, err);
  bson_destroy(&reply);
  return ok;
}
static bool r_insert_many_one_bad(mongo_odm_error_t *err) {
  bson_t *good = tu_bson("{\"a\": 1}");
  bson_t *bad = bson_new();
  bson_append_utf8(bad, "s", -1, "\xc0\x80", 2);
  const bson_t *docs[] = {good, bad};
  bson_t reply;
  const bool ok = mongo_odm_collection_insert_many(F.coll, docs, 2, NULL, &reply, err);
  bson_destroy(&reply);
  bson_destroy(good);
  bson_destroy(bad);
  return ok;
}
static bool r_replace_dollar(mongo_odm_error_t *err) {
  bson_t *filter = tu_bson("{\"_id\": 1}");
  bson_t *repl = tu_bson("{\"$set\": {\"a\": 1}}");
  bson_t reply;
  const bool ok = mongo_odm_collection_replace_one(F.coll, filter, repl, NULL, &reply, err);
  bson_destroy(&reply);
  bson_destroy(filter);
  bson_destroy(repl);
  return ok;
}
static bool r_composite_id_utf8(mongo_odm_error_t *err) {
  const char *values[] = {"ok", "\xed\xa0\x80"};
  char out[33];
  return mongo_odm_generate_composite_id(values, 2, out, err);
}
static bool r_pairs_twice(mongo_odm_error_t *err) {
  const char *keys[] = {"k", "k"};
  const char *values[] = {"1", "2"};
  char out[33];
  return mongo_odm_generate_id_from_pairs(keys, values, 2, out, err);
}
static bool r_pairs_none(mongo_odm_error_t *err) {
  const char *keys[] = {"k"};
  const char *values[] = {"1"};
  char out[33];
  return mongo_odm_generate_id_from_pairs(keys, values, 0, out, err);
}
static bool r_field_dollar(mongo_odm_error_t *err) {
  mongo_odm_model_t *m = mongo_odm_model_new(NULL, err);
  const bool ok = mongo_odm_model_add_field(m, "$x", MONGO_ODM_TYPE_ANY, 0, err);
  mongo_odm_model_destroy(m);
  return ok;
}
static bool r_model_system(mongo_odm_error_t *err) {
  mongo_odm_model_t *m = mongo_odm_model_new("system.users", err);
  mongo_odm_model_destroy(m);
  return m != NULL;
}
static bool r_collection_bad_db(mongo_odm_error_t *err) {
  mongo_odm_collection_t *c = mongo_odm_collection_new(F.client, "a.b", "c", err);
  mongo_odm_collection_destroy(c);
  return c != NULL;
}
static bool r_client_bad_url(mongo_odm_error_t *err) {
  mongo_odm_client_t *c = mongo_odm_client_new("mongodb://host:port:extra/", NULL, NULL, err);
  mongo_odm_client_destroy(c);
  return c != NULL;
}

#define E(code) MONGO_ODM_ERROR_##code
static const row_t ROWS[] = {
    {"C-01", "BSON whose string length runs past the end", "mongo_odm_doc_from_bson", E(ENCODING), "corrupt", r_corrupt_length},
    {"C-02", "BSON with an unknown element type (0x42)", "mongo_odm_doc_from_bson", E(ENCODING), "corrupt", r_unknown_type},
    {"C-03", "embedded document whose last byte is 0x01, not NUL", "mongo_odm_doc_from_bson", E(ENCODING), "is corrupt` or `corrupt BSON", r_bad_terminator},
    {"C-04", "string value `ok\\xff` (invalid UTF-8)", "mongo_odm_doc_from_bson", E(ENCODING), "not valid UTF-8", r_bad_utf8_string},
    {"C-05", "string value holding `\\xc0\\x80` (overlong NUL)", "mongo_odm_doc_from_bson", E(ENCODING), "not valid UTF-8", r_overlong_nul},
    {"C-06", "string value holding a UTF-8-encoded surrogate `\\xed\\xa0\\x80`", "mongo_odm_doc_from_bson", E(ENCODING), "not valid UTF-8", r_surrogate},
    {"C-07", "key `k\\xff` (invalid UTF-8)", "mongo_odm_doc_from_bson", E(ENCODING), "corrupt BSON` or `a key is not valid UTF-8", r_bad_utf8_key},
    {"C-08", "top-level key `$set`", "mongo_odm_doc_from_bson", E(ENCODING), "must not start with '$'", r_dollar_key},
    {"C-09", "empty key", "mongo_odm_doc_from_bson", E(ENCODING), "empty key", r_empty_key},
    {"C-10", "documents nested 300 deep", "mongo_odm_doc_from_bson", E(ENCODING), "nested too deeply", r_deep},
    {"C-11", "code-with-scope whose scope document is cut short", "mongo_odm_doc_from_bson", E(ENCODING), "corrupt", r_bad_scope},
    {"C-12", "`_id` string holding a NUL", "mongo_odm_doc_from_bson", E(ENCODING), "id is not valid UTF-8", r_nul_in_id},
    {"C-13", "declared int32 field holding a string", "mongo_odm_doc_from_bson", E(VALIDATION), "field 'age': expected int32, got utf8", r_wrong_type},
    {"C-14", "REQUIRED field missing", "mongo_odm_doc_from_bson", E(VALIDATION), "field 'name' is required", r_required},
    {"C-15", "null in a field that is not NULLABLE", "mongo_odm_doc_from_bson", E(VALIDATION), "must not be null", r_null_not_nullable},
    {"C-16", "empty key", "mongo_odm_doc_set_int32", E(ENCODING), "key is empty", r_key_empty},
    {"C-17", "key `$where`", "mongo_odm_doc_set_int32", E(ENCODING), "must not start with '$'", r_key_dollar},
    {"C-18", "key `k\\xc3` (truncated UTF-8)", "mongo_odm_doc_set_int32", E(ENCODING), "key is not valid UTF-8", r_key_utf8},
    {"C-19", "key `\\xc0\\x80` (overlong NUL)", "mongo_odm_doc_set_int32", E(ENCODING), "key is not valid UTF-8", r_key_overlong},
    {"C-20", "int32 on a declared utf8 field", "mongo_odm_doc_set_int32", E(VALIDATION), "expected utf8, got int32", r_set_declared_type},
    {"C-21", "null on a REQUIRED, not NULLABLE field", "mongo_odm_doc_set_null", E(VALIDATION), "must not be null", r_set_null_required},
    {"C-22", "value `caf\\xe9` (Latin-1, not UTF-8)", "mongo_odm_doc_set_utf8", E(ENCODING), "string is not valid UTF-8", r_utf8_value},
    {"C-23", "UTF-8 value `\\xc0\\x80` (overlong NUL)", "mongo_odm_doc_set_value", E(ENCODING), "string is not valid UTF-8", r_value_overlong},
    {"C-24", "bson_value_t with type tag 0x42", "mongo_odm_doc_set_value", E(INVALID_ARGUMENT), "unknown BSON type 66", r_unknown_tag},
    {"C-25", "DBPointer whose collection is NULL", "mongo_odm_doc_set_value", E(INVALID_ARGUMENT), "DBPointer collection is NULL", r_dbpointer_null},
    {"C-26", "code-with-scope whose scope is NULL", "mongo_odm_doc_set_value", E(INVALID_ARGUMENT), "code scope is NULL", r_codewscope_null},
    {"C-27", "code-with-scope whose scope is cut short", "mongo_odm_doc_set_value", E(ENCODING), "(code scope)", r_codewscope_corrupt},
    {"C-28", "code `x\\xff\\xfe` with code_len 1", "mongo_odm_doc_set_value", E(ENCODING), "code is not valid UTF-8", r_code_past_len},
    {"C-29", "regex whose options are NULL", "mongo_odm_doc_set_value", E(INVALID_ARGUMENT), "regex pattern or options is NULL", r_regex_null},
    {"C-30", "binary with data NULL and length 3", "mongo_odm_doc_set_value", E(INVALID_ARGUMENT), "binary data is NULL", r_binary_null},
    {"C-31", "document holding an embedded document whose last byte is not NUL", "mongo_odm_doc_set_document", E(ENCODING), "is corrupt` or `corrupt BSON", r_set_document_terminator},
    {"C-32", "array bytes whose string runs past the end", "mongo_odm_doc_set_array", E(ENCODING), "value of 'tags'", r_set_array_corrupt},
    {"C-33", "id `\\xff\\xfe`", "mongo_odm_doc_set_id", E(ENCODING), "id is not valid UTF-8", r_set_id_utf8},
    {"C-34", "composite-key field set to null", "mongo_odm_doc_to_bson", E(VALIDATION), "Composite key field 'n' is None", r_composite_null},
    {"C-35", "composite-key field holding an array", "mongo_odm_doc_to_bson", E(ENCODING), "no string form", r_composite_array},
    {"C-36", "document of 17 MiB", "mongo_odm_doc_save", E(ENCODING), "over the 16 MiB", r_save_too_large},
    {"C-37", "document with top-level key `$inc`", "mongo_odm_collection_insert_one", E(ENCODING), "must not start with '$'", r_insert_dollar},
    {"C-38", "document with an embedded document whose last byte is not NUL", "mongo_odm_collection_insert_one", E(ENCODING), "is corrupt", r_insert_terminator},
    {"C-39", "second of two documents holding `\\xc0\\x80`", "mongo_odm_collection_insert_many", E(ENCODING), "document 1", r_insert_many_one_bad},
    {"C-40", "replacement `{\"$set\": ...}` (an update, not a document)", "mongo_odm_collection_replace_one", E(ENCODING), "must not start with '$'", r_replace_dollar},
    {"C-41", "values `ok`, `\\xed\\xa0\\x80`", "mongo_odm_generate_composite_id", E(ENCODING), "not valid UTF-8", r_composite_id_utf8},
    {"C-42", "key `k` given twice", "mongo_odm_generate_id_from_pairs", E(INVALID_ARGUMENT), "given twice", r_pairs_twice},
    {"C-43", "zero pairs", "mongo_odm_generate_id_from_pairs", E(INVALID_ARGUMENT), "at least one", r_pairs_none},
    {"C-44", "field name `$x`", "mongo_odm_model_add_field", E(INVALID_ARGUMENT), "invalid field name", r_field_dollar},
    {"C-45", "collection name `system.users`", "mongo_odm_model_new", E(INVALID_ARGUMENT), "reserved", r_model_system},
    {"C-46", "database name `a.b`", "mongo_odm_collection_new", E(INVALID_ARGUMENT), "database name", r_collection_bad_db},
    {"C-47", "URL `mongodb://host:port:extra/`", "mongo_odm_client_new", E(INVALID_ARGUMENT), "invalid MongoDB URL", r_client_bad_url},
    {"C-48", "UTF-8 value with a NULL string and length 3, on `_id`", "mongo_odm_doc_set_value", E(ENCODING), "id is not valid UTF-8", r_id_value_null_string},
    {"C-49", "code-with-scope whose code lacks its terminating NUL", "mongo_odm_doc_from_bson", E(ENCODING), "corrupt", r_codewscope_terminator},
};
#undef E
static const size_t N_ROWS = sizeof ROWS / sizeof ROWS[0];

/* ---- running ------------------------------------------------------------------------------ */

static void run_row(void **state) {
  const row_t *row = *state;
  mongo_odm_error_t err;
  memset(&err, 0x5a, sizeof err); /* the call must fill it */
  const bool ok = row->run(&err);
  if (ok) {
    print_error("%s: %s accepted %s\n", row->id, row->entry, row->input);
    fail();
  }
  assert_code(err, row->code);
  /* "A` or `B": the message holds one of the fragments (libbson's checks differ between driver
   * versions, and with them which of the library's messages a corrupt input gets: docs/design.md) */
  char alternatives[256];
  snprintf(alternatives, sizeof alternatives, "%s", row->fragment);
  const char *sep = "` or `";
  for (char *part = alternatives;;) {
    char *next = strstr(part, sep);
    if (next) *next = '\0';
    if (strstr(err.message, part)) return;
    if (!next) break;
    part = next + strlen(sep);
  }
  assert_contains(err.message, row->fragment);
}

static int setup(void **state) {
  (void)state;
  assert_int_equal(mongo_odm_init(), 1);
  mongo_odm_error_t err;
  F.plain = mongo_odm_model_new(NULL, &err);
  F.typed = mongo_odm_model_new("typed", &err);
  F.composite = mongo_odm_model_new("composite", &err);
  assert_true(F.plain && F.typed && F.composite);
  assert_true(mongo_odm_model_add_field(F.typed, "name", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED, &err));
  assert_true(mongo_odm_model_add_field(F.typed, "age", MONGO_ODM_TYPE_INT32, 0, &err));
  assert_true(mongo_odm_model_add_field(F.typed, "note", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_NULLABLE, &err));
  const char *key[] = {"tenant", "n"};
  assert_true(mongo_odm_model_set_composite_key(F.composite, key, 2, &err));
  /* Port 9 (discard): nothing answers, and a test that reached the network would time out. */
  F.client = mongo_odm_client_new("mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=300&connectTimeoutMS=300", NULL, NULL, &err);
  assert_non_null(F.client);
  F.coll = mongo_odm_collection_new(F.client, "odm_bad_input", "rows", &err);
  assert_non_null(F.coll);
  assert_true(mongo_odm_model_set_collection(F.composite, F.coll, &err));
  return 0;
}

static int teardown(void **state) {
  (void)state;
  mongo_odm_model_destroy(F.plain);
  mongo_odm_model_destroy(F.typed);
  mongo_odm_model_destroy(F.composite);
  mongo_odm_collection_destroy(F.coll);
  mongo_odm_client_destroy(F.client);
  assert_int_equal(mongo_odm_cleanup(), 0);
  return 0;
}

/* One markdown table line per row, as docs/reliability.md holds them. */
static void markdown_line(const row_t *row, char *buf, size_t size) {
  snprintf(buf, size, "| %s | C | %s | `%s` | `%s` | `%s` |", row->id, row->input, row->entry,
           mongo_odm_error_code_name(row->code), row->fragment);
}

static int check_doc(const char *path) {
  char *text = tu_read_file(path);
  /* the C lines of the doc, in order */
  size_t found = 0;
  int status = 0;
  char line_buf[1024];
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (strncmp(line, "| C-", 4) != 0) continue;
    if (found >= N_ROWS) {
      fprintf(stderr, "%s has a C row the test does not: %s\n", path, line);
      status = 1;
      continue;
    }
    markdown_line(&ROWS[found], line_buf, sizeof line_buf);
    if (strcmp(line, line_buf) != 0) {
      fprintf(stderr, "%s row differs from the test:\n  doc:  %s\n  test: %s\n", path, line, line_buf);
      status = 1;
    }
    ++found;
  }
  if (found < N_ROWS) {
    fprintf(stderr, "%s lists %zu C rows, the test has %zu (run tools/bad_input_table.py)\n", path, found, N_ROWS);
    status = 1;
  }
  free(text);
  if (status == 0) printf("%s lists the %zu C rows of the test\n", path, N_ROWS);
  return status;
}

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--markdown") == 0) {
    char buf[1024];
    for (size_t i = 0; i < N_ROWS; ++i) {
      markdown_line(&ROWS[i], buf, sizeof buf);
      puts(buf);
    }
    return 0;
  }
  if (argc == 3 && strcmp(argv[1], "--check-doc") == 0) return check_doc(argv[2]);
  struct CMUnitTest *tests = calloc(N_ROWS, sizeof *tests);
  assert_non_null(tests);
  for (size_t i = 0; i < N_ROWS; ++i) {
    tests[i].name = ROWS[i].id;
    tests[i].test_func = run_row;
    tests[i].initial_state = (void *)&ROWS[i];
  }
  const int failed = _cmocka_run_group_tests("bad_input_table", tests, N_ROWS, setup, teardown);
  free(tests);
  return failed;
}
