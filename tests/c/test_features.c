/* The model features of issue 11 against the test server, through the C API: changed-field
 * saves (changes.h), revisions (changes.h), declared indexes (index.h), bulk writes (bulk.h)
 * and projections (projection.h). Each test works on fresh, uniquely named collections.
 *
 * test_revision_threads is the acceptance run of revisions: 8 threads each make 50
 * read-modify-write increments of one counter, retrying on MONGO_ODM_ERROR_REVISION_CONFLICT:
 * the counter ends at exactly 400. The same run without revisions loses updates (its final
 * count is below 400): the read-modify-write window is widened by a 1 ms sleep between the
 * read and the write, so that the control shows the race every time. */
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "test_util.h"

/* ---- helpers ----------------------------------------------------------------------------- */

/* The stored document with string _id `id`, or NULL (bson_destroy() it). */
static bson_t *stored(const mongo_odm_model_t *model, const char *id) {
  mongo_odm_collection_t *coll = tu_collection(model);
  bson_t *filter = bson_new();
  BSON_APPEND_UTF8(filter, "_id", id);
  bson_t tmp;
  bool found = false;
  mongo_odm_error_t err;
  assert_true(mongo_odm_collection_find_one(coll, filter, NULL, &tmp, &found, &err));
  bson_t *out = NULL;
  if (found) out = bson_copy(&tmp);
  bson_destroy(&tmp);
  bson_destroy(filter);
  mongo_odm_collection_destroy(coll);
  return out;
}

/* A raw write on the model's collection (another writer, behind the document's back). */
static void raw_update(const mongo_odm_model_t *model, const char *filter_json, const char *update_json) {
  mongo_odm_collection_t *coll = tu_collection(model);
  bson_t *filter = tu_bson(filter_json);
  bson_t *update = tu_bson(update_json);
  mongo_odm_error_t err;
  assert_true(mongo_odm_collection_update_one(coll, filter, update, NULL, NULL, &err));
  bson_destroy(filter);
  bson_destroy(update);
  mongo_odm_collection_destroy(coll);
}

static void assert_json(const bson_t *doc, const char *expected_json) {
  bson_t *expected = tu_bson(expected_json);
  if (!bson_equal(doc, expected)) {
    char *got = bson_as_relaxed_extended_json(doc, NULL);
    print_error("got %s, expected %s\n", got, expected_json);
    bson_free(got);
    bson_destroy(expected);
    fail();
  }
  bson_destroy(expected);
}

static mongo_odm_doc_t *get_doc(const mongo_odm_model_t *model, const char *id) {
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_get(model, id, &err);
  assert_ok(err);
  assert_non_null(doc);
  return doc;
}

static void save_ok(mongo_odm_doc_t *doc) {
  mongo_odm_error_t err;
  mongo_odm_doc_save(doc, false, &err);
  assert_ok(err);
}

/* A model with state management and/or revisions; name: utf8, n: int32, nick: utf8 NULLABLE. */
static mongo_odm_model_t *feature_model(const char *prefix, bool state, bool revision) {
  mongo_odm_model_t *model = tu_model(prefix);
  mongo_odm_error_t err;
  assert_true(mongo_odm_model_add_field(model, "name", MONGO_ODM_TYPE_UTF8, 0, &err));
  assert_true(mongo_odm_model_add_field(model, "n", MONGO_ODM_TYPE_INT32, 0, &err));
  assert_true(mongo_odm_model_add_field(model, "nick", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_NULLABLE, &err));
  assert_true(mongo_odm_model_set_use_state_management(model, state, &err));
  assert_true(mongo_odm_model_set_use_revision(model, revision, &err));
  assert_int_equal(mongo_odm_model_use_state_management(model), state);
  assert_int_equal(mongo_odm_model_use_revision(model), revision);
  return model;
}

static mongo_odm_doc_t *new_doc(const mongo_odm_model_t *model, const char *id, const char *name, int32_t n) {
  mongo_odm_error_t err;
  mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
  assert_true(mongo_odm_doc_set_id(doc, id, &err));
  assert_true(mongo_odm_doc_set_utf8(doc, "name", name, &err));
  assert_true(mongo_odm_doc_set_int32(doc, "n", n, &err));
  return doc;
}

static void cleanup(mongo_odm_model_t *model) {
  tu_drop(model);
  mongo_odm_model_destroy(model);
}

/* ---- the diff ------------------------------------------------------------------------------ */

static void expect_diff(const char *saved_json, const char *current_json, const char *update_json) {
  bson_t *saved = tu_bson(saved_json), *current = tu_bson(current_json);
  bson_t update;
  bool changed = true;
  mongo_odm_error_t err;
  assert_true(mongo_odm_diff(saved, current, &update, &changed, &err));
  assert_ok(err);
  assert_json(&update, update_json);
  assert_int_equal(changed, strcmp(update_json, "{}") != 0);
  bson_destroy(&update);
  bson_destroy(saved);
  bson_destroy(current);
}

static void test_diff_rules(void **state) {
  (void)state;
  expect_diff("{\"_id\": 1, \"a\": 1, \"b\": \"x\"}", "{\"_id\": 1, \"a\": 1, \"b\": \"x\"}", "{}");
  /* changed, added, removed */
  expect_diff("{\"_id\": 1, \"a\": 1, \"b\": \"x\", \"c\": true}", "{\"_id\": 1, \"a\": 2, \"b\": \"x\", \"d\": null}",
              "{\"$set\": {\"a\": 2, \"d\": null}, \"$unset\": {\"c\": \"\"}}");
  /* a changed nested value sends its whole top-level field */
  expect_diff("{\"sub\": {\"x\": 1, \"y\": [1, 2]}, \"k\": 0}", "{\"sub\": {\"x\": 1, \"y\": [1, 3]}, \"k\": 0}",
              "{\"$set\": {\"sub\": {\"x\": 1, \"y\": [1, 3]}}}");
  /* BSON type and order count: int32 1 vs double 1.0, {a, b} vs {b, a} */
  expect_diff("{\"a\": {\"$numberInt\": \"1\"}}", "{\"a\": {\"$numberDouble\": \"1.0\"}}",
              "{\"$set\": {\"a\": 1.0}}");
  expect_diff("{\"s\": {\"a\": 1, \"b\": 2}}", "{\"s\": {\"b\": 2, \"a\": 1}}", "{\"$set\": {\"s\": {\"b\": 2, \"a\": 1}}}");
  /* _id never takes part; field order at top level does not matter */
  expect_diff("{\"_id\": 1, \"a\": 1, \"b\": 2}", "{\"_id\": 2, \"b\": 2, \"a\": 1}", "{}");
  /* only removals; null values and empty documents */
  expect_diff("{\"a\": null, \"b\": {}}", "{}", "{\"$unset\": {\"a\": \"\", \"b\": \"\"}}");
  expect_diff("{\"a\": null}", "{\"a\": null}", "{}");

  /* a changed key no update can name */
  bson_t *saved = tu_bson("{\"a\": 1}"), *current = tu_bson("{\"a\": 1, \"x.y\": 2}");
  bson_t update;
  bool changed = true;
  mongo_odm_error_t err;
  assert_false(mongo_odm_diff(saved, current, &update, &changed, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_contains(err.message, "'x.y'");
  assert_false(changed);
  assert_int_equal(bson_count_keys(&update), 0);
  bson_destroy(&update);
  /* an unchanged dotted key is fine; update may be NULL */
  assert_true(mongo_odm_diff(current, current, NULL, &changed, &err));
  assert_false(changed);
  /* corrupt BSON */
  uint8_t bad[] = {12, 0, 0, 0, 0x10, 'a', 0, 1, 0, 0, 0, 0};
  bad[4] = 0x42; /* an unknown type */
  bson_t view;
  assert_true(bson_init_static(&view, bad, sizeof bad));
  assert_false(mongo_odm_diff(&view, current, &update, &changed, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  bson_destroy(&update);
  bson_destroy(saved);
  bson_destroy(current);
}

/* ---- state management ---------------------------------------------------------------------- */

static void test_state_new_document_saved_whole(void **state) {
  (void)state;
  mongo_odm_model_t *model = feature_model("st_new", true, false);
  mongo_odm_doc_t *doc = new_doc(model, "a", "Ada", 1);
  assert_null(mongo_odm_doc_saved_state(doc));
  assert_true(mongo_odm_doc_is_changed(doc));
  bson_t update;
  bool changed = false;
  mongo_odm_error_t err;
  assert_true(mongo_odm_doc_get_changes(doc, false, &update, &changed, &err));
  assert_true(changed);
  assert_json(&update, "{\"$set\": {\"name\": \"Ada\", \"n\": 1}}");
  bson_destroy(&update);
  save_ok(doc);
  /* saved: it remembers what it stored, nothing is pending */
  assert_non_null(mongo_odm_doc_saved_state(doc));
  assert_false(mongo_odm_doc_is_changed(doc));
  assert_true(mongo_odm_doc_get_changes(doc, false, &update, &changed, &err));
  assert_false(changed);
  assert_int_equal(bson_count_keys(&update), 0);
  bson_destroy(&update);
  bson_t *s = stored(model, "a");
  assert_json(s, "{\"_id\": \"a\", \"name\": \"Ada\", \"n\": 1}");
  bson_destroy(s);
  mongo_odm_doc_destroy(doc);
  cleanup(model);
}

static void test_state_sends_only_changes(void **state) {
  (void)state;
  mongo_odm_model_t *model = feature_model("st_changes", true, false);
  mongo_odm_doc_t *doc = new_doc(model, "a", "Ada", 1);
  mongo_odm_error_t err;
  assert_true(mongo_odm_doc_set_utf8(doc, "extra", "gone soon", &err));
  save_ok(doc);
  mongo_odm_doc_destroy(doc);

  doc = get_doc(model, "a");
  assert_non_null(mongo_odm_doc_saved_state(doc));
  assert_false(mongo_odm_doc_is_changed(doc));
  assert_true(mongo_odm_doc_set_int32(doc, "n", 2, &err));
  assert_true(mongo_odm_doc_remove(doc, "extra"));
  assert_true(mongo_odm_doc_is_changed(doc));
  bson_t update;
  bool changed = false;
  assert_true(mongo_odm_doc_get_changes(doc, false, &update, &changed, &err));
  assert_json(&update, "{\"$set\": {\"n\": 2}, \"$unset\": {\"extra\": \"\"}}");
  bson_destroy(&update);
  /* another writer changes "name": a save of the changes only leaves it alone */
  raw_update(model, "{\"_id\": \"a\"}", "{\"$set\": {\"name\": \"Grace\"}}");
  save_ok(doc);
  bson_t *s = stored(model, "a");
  assert_json(s, "{\"_id\": \"a\", \"name\": \"Grace\", \"n\": 2}");
  bson_destroy(s);
  assert_false(mongo_odm_doc_is_changed(doc));

  /* nothing changed: nothing is sent (the other writer's next change survives) */
  raw_update(model, "{\"_id\": \"a\"}", "{\"$set\": {\"n\": 99}}");
  save_ok(doc);
  s = stored(model, "a");
  tu_assert_bson_int(s, "n", 99);
  bson_destroy(s);

  /* exclude_none: a field set to null is unset */
  assert_true(mongo_odm_doc_set_utf8(doc, "nick", "A", &err));
  save_ok(doc);
  assert_true(mongo_odm_doc_set_null(doc, "nick", &err));
  assert_true(mongo_odm_doc_get_changes(doc, true, &update, &changed, &err));
  assert_json(&update, "{\"$unset\": {\"nick\": \"\"}}");
  bson_destroy(&update);
  assert_true(mongo_odm_doc_get_changes(doc, false, &update, &changed, &err));
  assert_json(&update, "{\"$set\": {\"nick\": null}}");
  bson_destroy(&update);
  mongo_odm_doc_save(doc, true, &err);
  assert_ok(err);
  s = stored(model, "a");
  assert_json(s, "{\"_id\": \"a\", \"name\": \"Grace\", \"n\": 99}");
  bson_destroy(s);
  mongo_odm_doc_destroy(doc);
  cleanup(model);
}

static void test_state_deleted_meanwhile_is_written_whole(void **state) {
  (void)state;
  mongo_odm_model_t *model = feature_model("st_deleted", true, false);
  mongo_odm_doc_t *doc = new_doc(model, "a", "Ada", 1);
  save_ok(doc);
  mongo_odm_error_t err;
  bool deleted = false;
  assert_true(mongo_odm_doc_delete(doc, &deleted, &err));
  assert_true(deleted);
  assert_true(mongo_odm_doc_set_int32(doc, "n", 2, &err));
  save_ok(doc);
  bson_t *s = stored(model, "a");
  assert_json(s, "{\"_id\": \"a\", \"name\": \"Ada\", \"n\": 2}");
  bson_destroy(s);
  mongo_odm_doc_destroy(doc);
  cleanup(model);
}

static void test_state_cursor_copy_and_explicit_state(void **state) {
  (void)state;
  mongo_odm_model_t *model = feature_model("st_cursor", true, false);
  mongo_odm_doc_t *doc = new_doc(model, "a", "Ada", 1);
  save_ok(doc);
  mongo_odm_doc_destroy(doc);
  mongo_odm_error_t err;
  mongo_odm_cursor_t *cursor = mongo_odm_find(model, NULL, NULL, &err);
  assert_non_null(cursor);
  const mongo_odm_doc_t *current = NULL;
  assert_true(mongo_odm_cursor_next(cursor, &current));
  assert_non_null(mongo_odm_doc_saved_state(current));
  mongo_odm_doc_t *copy = mongo_odm_doc_copy(current);
  mongo_odm_cursor_destroy(cursor);
  assert_non_null(mongo_odm_doc_saved_state(copy)); /* copies keep it */
  assert_false(mongo_odm_doc_is_changed(copy));
  /* forget it: a new document again */
  assert_true(mongo_odm_doc_set_saved_state(copy, NULL, &err));
  assert_null(mongo_odm_doc_saved_state(copy));
  assert_true(mongo_odm_doc_is_changed(copy));
  /* give it one: a state from elsewhere */
  bson_t *st = tu_bson("{\"_id\": \"a\", \"name\": \"Ada\", \"n\": 0}");
  assert_true(mongo_odm_doc_set_saved_state(copy, st, &err));
  bson_destroy(st);
  bson_t update;
  bool changed = false;
  assert_true(mongo_odm_doc_get_changes(copy, false, &update, &changed, &err));
  assert_json(&update, "{\"$set\": {\"n\": 1}}");
  bson_destroy(&update);
  /* a document from raw BSON is new */
  bson_t *raw = tu_bson("{\"_id\": \"a\", \"name\": \"Ada\", \"n\": 1}");
  mongo_odm_doc_t *fresh = mongo_odm_doc_from_bson(model, raw, &err);
  assert_null(mongo_odm_doc_saved_state(fresh));
  mongo_odm_doc_destroy(fresh);
  bson_destroy(raw);
  /* a model without state management keeps no state */
  mongo_odm_model_t *plain = feature_model("st_plain", false, false);
  mongo_odm_doc_t *p = new_doc(plain, "p", "x", 1);
  save_ok(p);
  assert_null(mongo_odm_doc_saved_state(p));
  mongo_odm_doc_destroy(p);
  p = get_doc(plain, "p");
  assert_null(mongo_odm_doc_saved_state(p));
  mongo_odm_doc_destroy(p);
  mongo_odm_doc_destroy(copy);
  cleanup(plain);
  cleanup(model);
}

static void test_collection_save_raw(void **state) {
  (void)state;
  mongo_odm_model_t *model = tu_model("st_raw");
  mongo_odm_collection_t *coll = tu_collection(model);
  bson_t *doc = tu_bson("{\"_id\": \"r\", \"a\": 1, \"b\": 2}");
  bson_t stored_state, reply;
  mongo_odm_error_t err;
  assert_true(mongo_odm_collection_save(coll, doc, NULL, MONGO_ODM_SAVE_CHANGES | MONGO_ODM_SAVE_REVISION,
                                        &stored_state, &reply, &err));
  tu_assert_bson_utf8(&reply, "sent", "replace");
  bson_iter_t it;
  assert_true(bson_iter_init_find(&it, &reply, "revision"));
  char rev1[32];
  snprintf(rev1, sizeof rev1, "%s", bson_iter_utf8(&it, NULL));
  assert_int_equal(strlen(rev1), 24);
  tu_assert_bson_utf8(&stored_state, MONGO_ODM_REVISION_FIELD, rev1);
  bson_destroy(&reply);

  /* nothing changed: nothing sent, the state comes back */
  bson_t again;
  assert_true(mongo_odm_collection_save(coll, doc, &stored_state, MONGO_ODM_SAVE_CHANGES | MONGO_ODM_SAVE_REVISION,
                                        &again, &reply, &err));
  tu_assert_bson_utf8(&reply, "sent", "nothing");
  assert_false(bson_iter_init_find(&it, &reply, "revision"));
  assert_true(bson_equal(&again, &stored_state));
  bson_destroy(&again);
  bson_destroy(&reply);

  /* a change: an update, with a new revision */
  bson_t *changed_doc = tu_bson("{\"_id\": \"r\", \"a\": 5, \"b\": 2}");
  assert_true(mongo_odm_collection_save(coll, changed_doc, &stored_state, MONGO_ODM_SAVE_CHANGES | MONGO_ODM_SAVE_REVISION,
                                        &again, &reply, &err));
  tu_assert_bson_utf8(&reply, "sent", "update");
  assert_true(bson_iter_init_find(&it, &reply, "revision"));
  assert_string_not_equal(bson_iter_utf8(&it, NULL), rev1);
  bson_destroy(&reply);
  /* the old state is stale now */
  bson_t stale;
  assert_false(mongo_odm_collection_save(coll, changed_doc, &stored_state, MONGO_ODM_SAVE_REVISION, &stale, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_REVISION_CONFLICT);
  assert_int_equal(bson_count_keys(&reply), 0);
  assert_int_equal(bson_count_keys(&stale), 0);
  bson_destroy(&stale);
  bson_destroy(&reply);
  /* flags 0: lightodm's upsert by _id, NULLs for stored and reply */
  assert_true(mongo_odm_collection_save(coll, doc, NULL, 0, NULL, NULL, &err));
  /* errors */
  bson_t *no_id = tu_bson("{\"a\": 1}");
  assert_false(mongo_odm_collection_save(coll, no_id, NULL, 0, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_MISSING_ID);
  bson_t *null_id = tu_bson("{\"_id\": null}");
  assert_false(mongo_odm_collection_save(coll, null_id, NULL, 0, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_MISSING_ID);
  assert_false(mongo_odm_collection_save(coll, doc, NULL, 4, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_t *dollar = tu_bson("{\"_id\": 1, \"$x\": 1}");
  assert_false(mongo_odm_collection_save(coll, dollar, NULL, 0, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  bson_destroy(dollar);
  bson_destroy(null_id);
  bson_destroy(no_id);
  bson_destroy(changed_doc);
  bson_destroy(&again);
  bson_destroy(&stored_state);
  bson_destroy(doc);
  mongo_odm_collection_destroy(coll);
  cleanup(model);
}

/* ---- revisions ----------------------------------------------------------------------------- */

static void test_revision_conflict(void **state) {
  (void)state;
  mongo_odm_model_t *model = feature_model("rev_conflict", false, true);
  mongo_odm_doc_t *doc = new_doc(model, "c", "Ada", 0);
  save_ok(doc);
  const char *rev0 = mongo_odm_doc_get_utf8(doc, MONGO_ODM_REVISION_FIELD);
  assert_non_null(rev0);
  assert_int_equal(strlen(rev0), 24);
  mongo_odm_doc_destroy(doc);

  mongo_odm_doc_t *a = get_doc(model, "c");
  mongo_odm_doc_t *b = get_doc(model, "c");
  mongo_odm_error_t err;
  assert_true(mongo_odm_doc_set_int32(a, "n", 1, &err));
  save_ok(a);
  char rev1[32];
  snprintf(rev1, sizeof rev1, "%s", mongo_odm_doc_get_utf8(a, MONGO_ODM_REVISION_FIELD));
  assert_true(mongo_odm_doc_set_int32(b, "n", 2, &err));
  assert_true(mongo_odm_doc_set_utf8(b, "name", "B", &err));
  assert_false(mongo_odm_doc_save(b, false, &err));
  assert_code(err, MONGO_ODM_ERROR_REVISION_CONFLICT);
  assert_int_equal(err.server_code, 0);
  assert_contains(err.message, "revision");
  assert_string_equal(mongo_odm_error_code_name(err.code), "MONGO_ODM_ERROR_REVISION_CONFLICT");
  /* nothing was written; b keeps its loaded revision */
  bson_t *s = stored(model, "c");
  tu_assert_bson_int(s, "n", 1);
  tu_assert_bson_utf8(s, "name", "Ada");
  tu_assert_bson_utf8(s, MONGO_ODM_REVISION_FIELD, rev1);
  bson_destroy(s);
  /* a saves again: its own revision is current */
  assert_true(mongo_odm_doc_set_int32(a, "n", 3, &err));
  save_ok(a);
  /* reload b, apply again: fine */
  mongo_odm_doc_destroy(b);
  b = get_doc(model, "c");
  assert_true(mongo_odm_doc_set_utf8(b, "name", "B", &err));
  save_ok(b);
  s = stored(model, "c");
  tu_assert_bson_int(s, "n", 3);
  tu_assert_bson_utf8(s, "name", "B");
  bson_destroy(s);
  mongo_odm_doc_destroy(a);
  mongo_odm_doc_destroy(b);
  cleanup(model);
}

static void test_revision_with_state_management(void **state) {
  (void)state;
  mongo_odm_model_t *model = feature_model("rev_state", true, true);
  mongo_odm_doc_t *doc = new_doc(model, "c", "Ada", 0);
  save_ok(doc);
  mongo_odm_doc_destroy(doc);
  mongo_odm_doc_t *a = get_doc(model, "c");
  mongo_odm_doc_t *b = get_doc(model, "c");
  mongo_odm_error_t err;
  /* unchanged: nothing sent, the revision stays */
  char rev0[32];
  snprintf(rev0, sizeof rev0, "%s", mongo_odm_doc_get_utf8(a, MONGO_ODM_REVISION_FIELD));
  save_ok(a);
  assert_string_equal(mongo_odm_doc_get_utf8(a, MONGO_ODM_REVISION_FIELD), rev0);
  bson_t update;
  bool changed;
  assert_true(mongo_odm_doc_set_int32(a, "n", 1, &err));
  assert_true(mongo_odm_doc_get_changes(a, false, &update, &changed, &err));
  assert_json(&update, "{\"$set\": {\"n\": 1}}"); /* the revision is not a change of the user's */
  bson_destroy(&update);
  save_ok(a);
  assert_string_not_equal(mongo_odm_doc_get_utf8(a, MONGO_ODM_REVISION_FIELD), rev0);
  /* b's update is filtered on the old revision: conflict, nothing written */
  assert_true(mongo_odm_doc_set_utf8(b, "name", "B", &err));
  assert_false(mongo_odm_doc_save(b, false, &err));
  assert_code(err, MONGO_ODM_ERROR_REVISION_CONFLICT);
  assert_string_equal(mongo_odm_doc_get_utf8(b, MONGO_ODM_REVISION_FIELD), rev0);
  bson_t *s = stored(model, "c");
  tu_assert_bson_utf8(s, "name", "Ada");
  tu_assert_bson_int(s, "n", 1);
  bson_destroy(s);
  mongo_odm_doc_destroy(a);
  mongo_odm_doc_destroy(b);
  cleanup(model);
}

static void test_revision_new_document_does_not_overwrite(void **state) {
  (void)state;
  mongo_odm_model_t *model = feature_model("rev_new", false, true);
  mongo_odm_doc_t *first = new_doc(model, "same", "first", 1);
  save_ok(first);
  mongo_odm_doc_t *second = new_doc(model, "same", "second", 2);
  mongo_odm_error_t err;
  assert_false(mongo_odm_doc_save(second, false, &err));
  assert_code(err, MONGO_ODM_ERROR_REVISION_CONFLICT);
  assert_contains(err.message, "never loaded");
  bson_t *s = stored(model, "same");
  tu_assert_bson_utf8(s, "name", "first");
  bson_destroy(s);
  /* deleted by someone else: the loaded document is written again */
  bool deleted = false;
  assert_true(mongo_odm_doc_delete(first, &deleted, &err));
  assert_true(mongo_odm_doc_set_int32(first, "n", 5, &err));
  save_ok(first);
  s = stored(model, "same");
  tu_assert_bson_int(s, "n", 5);
  bson_destroy(s);
  mongo_odm_doc_destroy(first);
  mongo_odm_doc_destroy(second);
  cleanup(model);
}

static void test_revision_legacy_document_and_other_duplicates(void **state) {
  (void)state;
  mongo_odm_model_t *model = feature_model("rev_legacy", false, true);
  /* stored before revisions were enabled: no revision_id */
  mongo_odm_collection_t *coll = tu_collection(model);
  bson_t *legacy = tu_bson("{\"_id\": \"old\", \"name\": \"old\", \"n\": 1, \"email\": \"x@y\"}");
  mongo_odm_error_t err;
  assert_true(mongo_odm_collection_insert_one(coll, legacy, NULL, NULL, &err));
  mongo_odm_doc_t *doc = get_doc(model, "old");
  assert_null(mongo_odm_doc_get_utf8(doc, MONGO_ODM_REVISION_FIELD));
  mongo_odm_doc_t *twin = mongo_odm_doc_copy(doc);
  assert_true(mongo_odm_doc_set_int32(doc, "n", 2, &err));
  save_ok(doc);
  assert_non_null(mongo_odm_doc_get_utf8(doc, MONGO_ODM_REVISION_FIELD));
  /* the twin loaded without a revision is stale now */
  assert_false(mongo_odm_doc_save(twin, false, &err));
  assert_code(err, MONGO_ODM_ERROR_REVISION_CONFLICT);

  /* a duplicate key of another unique index stays a DUPLICATE_KEY */
  bson_t *keys = tu_bson("{\"email\": 1}");
  bson_t *opts = tu_bson("{\"unique\": true}");
  assert_true(mongo_odm_collection_create_index(coll, keys, opts, NULL, &err));
  mongo_odm_doc_t *other = new_doc(model, "other", "o", 0);
  assert_true(mongo_odm_doc_set_utf8(other, "email", "x@y", &err));
  assert_false(mongo_odm_doc_save(other, false, &err));
  assert_code(err, MONGO_ODM_ERROR_DUPLICATE_KEY);
  /* also on a known document: saved once under another email, then changed to the taken one */
  assert_true(mongo_odm_doc_set_utf8(other, "email", "free@y", &err));
  save_ok(other);
  assert_true(mongo_odm_doc_set_utf8(other, "email", "x@y", &err));
  assert_false(mongo_odm_doc_save(other, false, &err));
  assert_code(err, MONGO_ODM_ERROR_DUPLICATE_KEY);

  /* a model declaring the revision field with another type */
  mongo_odm_model_t *bad = feature_model("rev_bad", false, true);
  assert_true(mongo_odm_model_add_field(bad, MONGO_ODM_REVISION_FIELD, MONGO_ODM_TYPE_INT32, 0, &err));
  mongo_odm_doc_t *b = new_doc(bad, "b", "b", 0);
  assert_false(mongo_odm_doc_save(b, false, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_contains(err.message, MONGO_ODM_REVISION_FIELD);
  mongo_odm_doc_destroy(b);
  cleanup(bad);

  bson_destroy(keys);
  bson_destroy(opts);
  bson_destroy(legacy);
  mongo_odm_doc_destroy(other);
  mongo_odm_doc_destroy(twin);
  mongo_odm_doc_destroy(doc);
  mongo_odm_collection_destroy(coll);
  cleanup(model);
}

/* 8 threads x 50 read-modify-write increments of one counter. */
enum { INC_THREADS = 8, INC_PER_THREAD = 50 };

typedef struct {
  const mongo_odm_model_t *model;
  int done;
  int conflicts;
  int failures;
  char first_error[600];
} incrementer_t;

static void *increment(void *arg) {
  incrementer_t *w = arg;
  const struct timespec window = {0, 1000000}; /* 1 ms between the read and the write */
  int attempts = 0;
  while (w->done < INC_PER_THREAD && attempts++ < 100000) {
    mongo_odm_error_t err;
    mongo_odm_doc_t *doc = mongo_odm_get(w->model, "counter", &err);
    int32_t n = 0;
    if (!doc || !mongo_odm_doc_get_int32(doc, "n", &n)) {
      if (w->failures++ == 0) snprintf(w->first_error, sizeof w->first_error, "get: %s", err.message);
      mongo_odm_doc_destroy(doc);
      continue;
    }
    nanosleep(&window, NULL);
    if (mongo_odm_doc_set_int32(doc, "n", n + 1, &err) && mongo_odm_doc_save(doc, false, &err)) {
      ++w->done;
    } else if (err.code == MONGO_ODM_ERROR_REVISION_CONFLICT) {
      ++w->conflicts;
    } else if (w->failures++ == 0) {
      snprintf(w->first_error, sizeof w->first_error, "save: %s: %s", mongo_odm_error_code_name(err.code), err.message);
    }
    mongo_odm_doc_destroy(doc);
  }
  return NULL;
}

/* Runs the increments on `model`; returns the final counter and the conflicts seen. */
static int32_t run_increments(const mongo_odm_model_t *model, int *conflicts) {
  mongo_odm_doc_t *counter = mongo_odm_doc_new(model);
  mongo_odm_error_t err;
  assert_true(mongo_odm_doc_set_id(counter, "counter", &err));
  assert_true(mongo_odm_doc_set_int32(counter, "n", 0, &err));
  save_ok(counter);
  mongo_odm_doc_destroy(counter);
  pthread_t threads[INC_THREADS];
  incrementer_t workers[INC_THREADS];
  memset(workers, 0, sizeof workers);
  for (int i = 0; i < INC_THREADS; ++i) {
    workers[i].model = model;
    assert_int_equal(pthread_create(&threads[i], NULL, increment, &workers[i]), 0);
  }
  *conflicts = 0;
  for (int i = 0; i < INC_THREADS; ++i) {
    pthread_join(threads[i], NULL);
    if (workers[i].failures) print_error("thread %d: %d failures, first: %s\n", i, workers[i].failures, workers[i].first_error);
    assert_int_equal(workers[i].failures, 0);
    assert_int_equal(workers[i].done, INC_PER_THREAD);
    *conflicts += workers[i].conflicts;
  }
  counter = get_doc(model, "counter");
  int32_t n = -1;
  assert_true(mongo_odm_doc_get_int32(counter, "n", &n));
  mongo_odm_doc_destroy(counter);
  return n;
}

static void test_revision_threads(void **state) {
  (void)state;
  mongo_odm_model_t *with = feature_model("rev_threads", false, true);
  int conflicts = 0;
  const int32_t n = run_increments(with, &conflicts);
  printf("with revisions: counter %d, %d conflicts retried\n", n, conflicts);
  assert_int_equal(n, INC_THREADS * INC_PER_THREAD);
  assert_true(conflicts > 0);
  cleanup(with);

  mongo_odm_model_t *without = feature_model("rev_control", false, false);
  const int32_t lost = run_increments(without, &conflicts);
  printf("without revisions: counter %d (%d updates lost)\n", lost, INC_THREADS * INC_PER_THREAD - lost);
  assert_int_equal(conflicts, 0);
  assert_true(lost < INC_THREADS * INC_PER_THREAD);
  cleanup(without);
}

/* ---- indexes ------------------------------------------------------------------------------- */

static bool has_index(mongo_odm_collection_t *coll, const char *name) {
  bson_t reply;
  mongo_odm_error_t err;
  assert_true(mongo_odm_collection_list_indexes(coll, &reply, &err));
  bson_iter_t it, item, field;
  bool found = false;
  assert_true(bson_iter_init_find(&it, &reply, "indexes"));
  assert_true(bson_iter_recurse(&it, &item));
  while (bson_iter_next(&item)) {
    assert_true(bson_iter_recurse(&item, &field));
    if (bson_iter_find(&field, "name") && strcmp(bson_iter_utf8(&field, NULL), name) == 0) found = true;
  }
  bson_destroy(&reply);
  return found;
}

static void assert_names(const bson_t *reply, const char *field, const char *expected_json_array) {
  bson_iter_t it;
  assert_true(bson_iter_init_find(&it, reply, field));
  uint32_t len;
  const uint8_t *data;
  bson_iter_array(&it, &len, &data);
  bson_t arr;
  bson_init_static(&arr, data, len);
  char json[256];
  snprintf(json, sizeof json, "{\"a\": %s}", expected_json_array);
  bson_t *expected = tu_bson(json);
  bson_iter_t e;
  bson_iter_init_find(&e, expected, "a");
  uint32_t elen;
  const uint8_t *edata;
  bson_iter_array(&e, &elen, &edata);
  bson_t earr;
  bson_init_static(&earr, edata, elen);
  if (!bson_equal(&arr, &earr)) {
    char *got = bson_as_relaxed_extended_json(reply, NULL);
    print_error("%s: got %s, expected %s\n", field, got, expected_json_array);
    bson_free(got);
    fail();
  }
  bson_destroy(expected);
}

static void test_indexes_ensure_idempotent_and_unique(void **state) {
  (void)state;
  mongo_odm_model_t *model = feature_model("idx_unique", false, false);
  mongo_odm_error_t err;
  bson_t *email = tu_bson("{\"email\": 1}");
  bson_t *unique = tu_bson("{\"unique\": true}");
  bson_t *compound = tu_bson("{\"name\": 1, \"n\": -1}");
  bson_t *named = tu_bson("{\"name\": \"by_n\"}");
  bson_t *n_keys = tu_bson("{\"n\": 1}");
  assert_true(mongo_odm_model_add_index(model, email, unique, &err));
  assert_true(mongo_odm_model_add_index(model, compound, NULL, &err));
  assert_true(mongo_odm_model_add_index(model, n_keys, named, &err));
  assert_int_equal(mongo_odm_model_index_count(model), 3);
  assert_json(mongo_odm_model_index(model, 0), "{\"key\": {\"email\": 1}, \"name\": \"email_1\", \"unique\": true}");
  assert_json(mongo_odm_model_index(model, 1), "{\"key\": {\"name\": 1, \"n\": -1}, \"name\": \"name_1_n_-1\"}");
  assert_json(mongo_odm_model_index(model, 2), "{\"key\": {\"n\": 1}, \"name\": \"by_n\"}");
  assert_null(mongo_odm_model_index(model, 3));
  /* declared twice (same default name) */
  assert_false(mongo_odm_model_add_index(model, email, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_int_equal(mongo_odm_model_index_count(model), 3);

  bson_t reply;
  assert_true(mongo_odm_ensure_indexes(model, &reply, &err));
  assert_ok(err);
  assert_names(&reply, "created", "[\"email_1\", \"name_1_n_-1\", \"by_n\"]");
  assert_names(&reply, "existing", "[]");
  bson_destroy(&reply);
  mongo_odm_collection_t *coll = tu_collection(model);
  assert_true(has_index(coll, "email_1"));
  assert_true(has_index(coll, "name_1_n_-1"));
  assert_true(has_index(coll, "by_n"));
  /* idempotent: nothing to create */
  assert_true(mongo_odm_ensure_indexes(model, &reply, &err));
  assert_names(&reply, "created", "[]");
  assert_names(&reply, "existing", "[\"email_1\", \"name_1_n_-1\", \"by_n\"]");
  assert_false(bson_has_field(&reply, "command"));
  bson_destroy(&reply);
  assert_true(mongo_odm_ensure_indexes(model, NULL, &err));

  /* the unique index turns a duplicate save into DUPLICATE_KEY */
  mongo_odm_doc_t *a = new_doc(model, "a", "a", 1);
  assert_true(mongo_odm_doc_set_utf8(a, "email", "same@x", &err));
  save_ok(a);
  mongo_odm_doc_t *b = new_doc(model, "b", "b", 2);
  assert_true(mongo_odm_doc_set_utf8(b, "email", "same@x", &err));
  assert_false(mongo_odm_doc_save(b, false, &err));
  assert_code(err, MONGO_ODM_ERROR_DUPLICATE_KEY);
  assert_int_equal(tu_count(model, NULL), 1);

  /* a model without indexes: no server call, empty reply */
  mongo_odm_model_t *none = mongo_odm_model_new(NULL, &err);
  assert_true(mongo_odm_ensure_indexes(none, &reply, &err));
  assert_names(&reply, "created", "[]");
  bson_destroy(&reply);
  mongo_odm_model_destroy(none);

  mongo_odm_doc_destroy(a);
  mongo_odm_doc_destroy(b);
  mongo_odm_collection_destroy(coll);
  bson_destroy(email);
  bson_destroy(unique);
  bson_destroy(compound);
  bson_destroy(named);
  bson_destroy(n_keys);
  cleanup(model);
}

static void expect_conflict(mongo_odm_collection_t *coll, const char *spec_json, int32_t server_code) {
  bson_t *spec = tu_bson(spec_json);
  const bson_t *specs[] = {spec};
  bson_t reply;
  mongo_odm_error_t err;
  assert_false(mongo_odm_collection_ensure_indexes(coll, specs, 1, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_int_equal(err.server_code, server_code);
  assert_contains(err.message, "'idx'");
  assert_false(bson_has_field(&reply, "command")); /* nothing was sent */
  bson_destroy(&reply);
  bson_destroy(spec);
}

static void test_indexes_conflicts(void **state) {
  (void)state;
  mongo_odm_model_t *model = tu_model("idx_conflict");
  mongo_odm_collection_t *coll = tu_collection(model);
  bson_t *spec = tu_bson("{\"key\": {\"a\": 1}, \"name\": \"idx\", \"unique\": true}");
  const bson_t *specs[] = {spec};
  bson_t reply;
  mongo_odm_error_t err;
  assert_true(mongo_odm_collection_ensure_indexes(coll, specs, 1, &reply, &err));
  assert_names(&reply, "created", "[\"idx\"]");
  bson_destroy(&reply);
  /* same name, other keys / other options / an option less / a direction of another type */
  expect_conflict(coll, "{\"key\": {\"b\": 1}, \"name\": \"idx\", \"unique\": true}", 86);
  expect_conflict(coll, "{\"key\": {\"a\": -1}, \"name\": \"idx\", \"unique\": true}", 86);
  expect_conflict(coll, "{\"key\": {\"a\": 1}, \"name\": \"idx\"}", 85);
  expect_conflict(coll, "{\"key\": {\"a\": 1}, \"name\": \"idx\", \"unique\": true, \"sparse\": true}", 85);
  /* a conflict among several: nothing at all is created */
  bson_t *fresh = tu_bson("{\"key\": {\"c\": 1}}");
  bson_t *clash = tu_bson("{\"key\": {\"z\": 1}, \"name\": \"idx\"}");
  const bson_t *two[] = {fresh, clash};
  assert_false(mongo_odm_collection_ensure_indexes(coll, two, 2, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  bson_destroy(&reply);
  assert_false(has_index(coll, "c_1"));
  /* equal up to the number type and a false boolean: no conflict */
  bson_t *same = tu_bson("{\"key\": {\"a\": {\"$numberDouble\": \"1.0\"}}, \"name\": \"idx\", \"unique\": true, "
                         "\"sparse\": false}");
  const bson_t *one[] = {same};
  assert_true(mongo_odm_collection_ensure_indexes(coll, one, 1, &reply, &err));
  assert_names(&reply, "existing", "[\"idx\"]");
  bson_destroy(&reply);
  /* bad specifications */
  const char *bad[] = {"{}", "{\"key\": {}}", "{\"key\": {\"a\": 0}}", "{\"key\": {\"a\": true}}",
                       "{\"key\": {\"a\": 1}, \"name\": \"\"}", "{\"key\": {\"a\": 1}, \"name\": 3}",
                       "{\"key\": [1]}"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    bson_t *b = tu_bson(bad[i]);
    const bson_t *bs[] = {b};
    assert_false(mongo_odm_collection_ensure_indexes(coll, bs, 1, &reply, &err));
    assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
    bson_destroy(&reply);
    bson_destroy(b);
  }
  /* declared twice in one call; a NULL entry */
  const bson_t *twice[] = {fresh, fresh};
  assert_false(mongo_odm_collection_ensure_indexes(coll, twice, 2, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(&reply);
  const bson_t *with_null[] = {fresh, NULL};
  assert_false(mongo_odm_collection_ensure_indexes(coll, with_null, 2, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(&reply);
  /* model declarations are checked when added */
  mongo_odm_model_t *m = tu_model("idx_bad");
  bson_t *zero = tu_bson("{\"a\": 0}");
  bson_t *key_opt = tu_bson("{\"key\": {\"a\": 1}}");
  bson_t *a1 = tu_bson("{\"a\": 1}");
  assert_false(mongo_odm_model_add_index(m, zero, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(mongo_odm_model_add_index(m, a1, key_opt, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_int_equal(mongo_odm_model_index_count(m), 0);
  mongo_odm_model_destroy(m);
  bson_destroy(zero);
  bson_destroy(key_opt);
  bson_destroy(a1);
  /* n == 0: no-op */
  assert_true(mongo_odm_collection_ensure_indexes(coll, NULL, 0, NULL, &err));
  bson_destroy(same);
  bson_destroy(fresh);
  bson_destroy(clash);
  bson_destroy(spec);
  mongo_odm_collection_destroy(coll);
  cleanup(model);
}

/* FerretDB 1.24 refuses TTL and partial indexes (NotImplemented, 238): the reply shows the
 * command that asked for them. */
static void expect_not_implemented(mongo_odm_model_t *model, const char *opts_json, const char *option) {
  bson_t *keys = tu_bson("{\"t\": 1}");
  bson_t *opts = tu_bson(opts_json);
  mongo_odm_error_t err;
  assert_true(mongo_odm_model_add_index(model, keys, opts, &err));
  bson_t reply;
  const bool ok = mongo_odm_ensure_indexes(model, &reply, &err);
  bson_iter_t it;
  assert_true(bson_iter_init(&it, &reply));
  bson_iter_t entry, opt;
  assert_true(bson_iter_find_descendant(&it, "command.indexes.0", &entry));
  bson_iter_recurse(&entry, &opt);
  assert_true(bson_iter_find(&opt, option)); /* what was sent */
  if (ok) {
    print_message("the server accepted the %s index (not FerretDB 1.24?)\n", option);
  } else {
    assert_code(err, MONGO_ODM_ERROR_SERVER);
    assert_int_equal(err.server_code, 238);
  }
  bson_destroy(&reply);
  bson_destroy(keys);
  bson_destroy(opts);
}

/* FerretDB 1.24 accepts "sparse" but builds a regular index, and listIndexes does not report
 * the option: the next ensure sees an index without it, an option conflict (85). A server that
 * keeps the option (MongoDB) finds it existing. */
static void test_indexes_sparse(void **state) {
  (void)state;
  mongo_odm_model_t *model = tu_model("idx_sparse");
  bson_t *keys = tu_bson("{\"s\": 1}");
  bson_t *opts = tu_bson("{\"sparse\": true}");
  mongo_odm_error_t err;
  assert_true(mongo_odm_model_add_index(model, keys, opts, &err));
  bson_t reply;
  assert_true(mongo_odm_ensure_indexes(model, &reply, &err));
  bson_iter_t it, sent;
  assert_true(bson_iter_init(&it, &reply) && bson_iter_find_descendant(&it, "command.indexes.0.sparse", &sent));
  assert_true(bson_iter_as_bool(&sent));
  bson_destroy(&reply);
  if (mongo_odm_ensure_indexes(model, &reply, &err)) {
    assert_names(&reply, "existing", "[\"s_1\"]");
  } else {
    assert_code(err, MONGO_ODM_ERROR_SERVER);
    assert_int_equal(err.server_code, 85);
    assert_contains(err.message, "'s_1'");
  }
  bson_destroy(&reply);
  bson_destroy(keys);
  bson_destroy(opts);
  cleanup(model);
}

static void test_indexes_ttl_and_partial(void **state) {
  (void)state;
  mongo_odm_model_t *ttl = tu_model("idx_ttl");
  expect_not_implemented(ttl, "{\"expireAfterSeconds\": 3600}", "expireAfterSeconds");
  cleanup(ttl);
  mongo_odm_model_t *partial = tu_model("idx_partial");
  expect_not_implemented(partial, "{\"partialFilterExpression\": {\"t\": {\"$exists\": true}}}",
                         "partialFilterExpression");
  cleanup(partial);
}

/* ---- bulk writes --------------------------------------------------------------------------- */

static void test_bulk_mixed_counts(void **state) {
  (void)state;
  mongo_odm_model_t *model = feature_model("bulk_mixed", false, false);
  mongo_odm_error_t err;
  mongo_odm_bulk_t *bulk = mongo_odm_bulk_new(model, true, &err);
  assert_non_null(bulk);
  for (int i = 0; i < 5; ++i) {
    char json[64];
    snprintf(json, sizeof json, "{\"_id\": \"d%d\", \"n\": %d}", i, i);
    bson_t *d = tu_bson(json);
    assert_true(mongo_odm_bulk_insert(bulk, d, &err));
    bson_destroy(d);
  }
  bson_t *no_id = tu_bson("{\"n\": 100}");
  assert_true(mongo_odm_bulk_insert(bulk, no_id, &err)); /* gets an ObjectId */
  bson_t *f0 = tu_bson("{\"_id\": \"d0\"}"), *f1 = tu_bson("{\"_id\": \"d1\"}"), *fnew = tu_bson("{\"_id\": \"up\"}");
  bson_t *inc = tu_bson("{\"$inc\": {\"n\": 10}}");
  bson_t *small = tu_bson("{\"n\": {\"$lt\": 3}}");
  bson_t *repl = tu_bson("{\"n\": -1, \"r\": true}");
  bson_t *all = tu_bson("{}");
  /* (the upsert comes first among the updates: FerretDB 1.24 numbers the upserts of an update
   * command by their count, not by their position in it) */
  assert_true(mongo_odm_bulk_update_one(bulk, fnew, inc, true, &err));    /* upserted at index 6 */
  assert_true(mongo_odm_bulk_update_one(bulk, f0, inc, false, &err));     /* matched 1 */
  assert_true(mongo_odm_bulk_update_many(bulk, small, inc, false, &err)); /* d1, d2 (d0 is 10 now) */
  assert_true(mongo_odm_bulk_replace_one(bulk, f1, repl, false, &err));   /* matched 1 */
  assert_true(mongo_odm_bulk_delete_one(bulk, f0, &err));
  mongo_odm_doc_t *doc = new_doc(model, "model_doc", "m", 7);
  assert_true(mongo_odm_bulk_insert_doc(bulk, doc, &err));
  assert_true(mongo_odm_doc_set_int32(doc, "n", 8, &err));
  assert_true(mongo_odm_bulk_save_doc(bulk, doc, false, &err)); /* upsert of an existing one: matched */
  assert_int_equal(mongo_odm_bulk_size(bulk), 13);
  bson_t reply;
  assert_true(mongo_odm_bulk_execute(bulk, &reply, &err));
  assert_ok(err);
  assert_int_equal(mongo_odm_bulk_size(bulk), 0);
  tu_assert_bson_int(&reply, "nInserted", 7);
  tu_assert_bson_int(&reply, "nMatched", 5);
  tu_assert_bson_int(&reply, "nModified", 5);
  tu_assert_bson_int(&reply, "nUpserted", 1);
  tu_assert_bson_int(&reply, "nRemoved", 1);
  bson_iter_t it, index;
  assert_true(bson_iter_init(&it, &reply) && bson_iter_find_descendant(&it, "upserted.0.index", &index));
  assert_int_equal(bson_iter_as_int64(&index), 6);
  bson_destroy(&reply);
  assert_int_equal(tu_count(model, NULL), 7);
  assert_int_equal(tu_count(model, "{\"r\": true}"), 1);
  /* the writer is empty and reusable; an empty execute sends nothing */
  assert_true(mongo_odm_bulk_execute(bulk, &reply, &err));
  tu_assert_bson_int(&reply, "nInserted", 0);
  bson_destroy(&reply);
  assert_true(mongo_odm_bulk_delete_many(bulk, all, &err));
  assert_true(mongo_odm_bulk_execute(bulk, NULL, &err));
  assert_int_equal(tu_count(model, NULL), 0);

  /* refused when queued: nothing is queued for them */
  bson_t *dollar = tu_bson("{\"$bad\": 1}");
  bson_t *plain = tu_bson("{\"n\": 1}");
  assert_false(mongo_odm_bulk_insert(bulk, dollar, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_false(mongo_odm_bulk_replace_one(bulk, f0, dollar, false, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  assert_false(mongo_odm_bulk_update_one(bulk, f0, plain, false, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(mongo_odm_bulk_update_many(bulk, f0, all, false, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  mongo_odm_doc_t *no_id_doc = mongo_odm_doc_new(model);
  assert_true(mongo_odm_doc_set_id(no_id_doc, NULL, &err));
  assert_false(mongo_odm_bulk_save_doc(bulk, no_id_doc, false, &err));
  assert_code(err, MONGO_ODM_ERROR_MISSING_ID);
  assert_int_equal(mongo_odm_bulk_size(bulk), 0);
  mongo_odm_doc_destroy(no_id_doc);

  bson_destroy(dollar);
  bson_destroy(plain);
  bson_destroy(no_id);
  bson_destroy(f0);
  bson_destroy(f1);
  bson_destroy(fnew);
  bson_destroy(inc);
  bson_destroy(small);
  bson_destroy(repl);
  bson_destroy(all);
  mongo_odm_doc_destroy(doc);
  mongo_odm_bulk_destroy(bulk);
  cleanup(model);
}

/* Queues `n` inserts of {_id: i} on `bulk`, except that `dups` (ids that exist) replace some. */
static void queue_inserts(mongo_odm_bulk_t *bulk, int n, const int *dup_positions, size_t n_dups) {
  for (int i = 0; i < n; ++i) {
    int id = i;
    for (size_t d = 0; d < n_dups; ++d) {
      if (dup_positions[d] == i) id = -1; /* stored before: a duplicate */
    }
    bson_t doc = BSON_INITIALIZER;
    BSON_APPEND_INT32(&doc, "_id", id);
    mongo_odm_error_t err;
    assert_true(mongo_odm_bulk_insert(bulk, &doc, &err));
    bson_destroy(&doc);
  }
}

static int64_t write_error_index(const bson_t *reply, int k) {
  char path[64];
  snprintf(path, sizeof path, "writeErrors.%d.index", k);
  bson_iter_t it, index;
  assert_true(bson_iter_init(&it, reply));
  assert_true(bson_iter_find_descendant(&it, path, &index));
  return bson_iter_as_int64(&index);
}

static void test_bulk_batches_and_errors(void **state) {
  (void)state;
  mongo_odm_model_t *model = tu_model("bulk_batches");
  mongo_odm_collection_t *coll = tu_collection(model);
  mongo_odm_error_t err;
  bson_t *seed = tu_bson("{\"_id\": -1}");
  assert_true(mongo_odm_collection_insert_one(coll, seed, NULL, NULL, &err));

  /* 2,500 inserts: three batches */
  mongo_odm_bulk_t *bulk = mongo_odm_collection_bulk_new(coll, true, &err);
  queue_inserts(bulk, 2500, NULL, 0);
  bson_t reply;
  assert_true(mongo_odm_bulk_execute(bulk, &reply, &err));
  tu_assert_bson_int(&reply, "nInserted", 2500);
  bson_destroy(&reply);
  assert_int_equal(tu_count(model, NULL), 2501);
  bson_t *all = tu_bson("{\"_id\": {\"$gte\": 0}}");
  assert_true(mongo_odm_bulk_delete_many(bulk, all, &err));
  assert_true(mongo_odm_bulk_execute(bulk, &reply, &err));
  tu_assert_bson_int(&reply, "nRemoved", 2500);
  bson_destroy(&reply);

  /* ordered: stops at the duplicate (operation 3); the ones before it stay */
  const int at3[] = {3};
  queue_inserts(bulk, 10, at3, 1);
  assert_false(mongo_odm_bulk_execute(bulk, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_DUPLICATE_KEY);
  assert_int_equal(err.server_code, 11000);
  assert_contains(err.message, "operation 3");
  tu_assert_bson_int(&reply, "nInserted", 3);
  assert_int_equal(write_error_index(&reply, 0), 3);
  bson_destroy(&reply);
  assert_int_equal(tu_count(model, NULL), 4);
  assert_int_equal(mongo_odm_bulk_size(bulk), 0);
  mongo_odm_bulk_destroy(bulk);
  assert_true(mongo_odm_collection_delete_many(coll, all, NULL, NULL, &err));

  /* unordered, over two batches: every other operation is applied, both indexes reported */
  bulk = mongo_odm_collection_bulk_new(coll, false, &err);
  const int dups[] = {1, 1500};
  queue_inserts(bulk, 1600, dups, 2);
  assert_false(mongo_odm_bulk_execute(bulk, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_DUPLICATE_KEY);
  assert_contains(err.message, "operation 1 ");
  assert_contains(err.message, "1 more");
  tu_assert_bson_int(&reply, "nInserted", 1598);
  assert_int_equal(write_error_index(&reply, 0), 1);
  assert_int_equal(write_error_index(&reply, 1), 1500);
  bson_destroy(&reply);
  assert_int_equal(tu_count(model, NULL), 1599);
  /* a server error that is not a duplicate key: SERVER with the server's code */
  bson_t *bad_update = tu_bson("{\"$inc\": {\"_id\": 1}}");
  bson_t *seed_filter = tu_bson("{\"_id\": -1}");
  assert_true(mongo_odm_bulk_update_one(bulk, seed_filter, bad_update, false, &err));
  assert_false(mongo_odm_bulk_execute(bulk, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_true(err.server_code != 0);
  assert_int_equal(write_error_index(&reply, 0), 0);
  bson_destroy(&reply);
  bson_destroy(bad_update);
  bson_destroy(seed_filter);
  mongo_odm_bulk_destroy(bulk);
  bson_destroy(all);
  bson_destroy(seed);
  mongo_odm_collection_destroy(coll);
  cleanup(model);
}

/* ---- error paths that need no particular data ---------------------------------------------- */

static void test_error_paths(void **state) {
  (void)state;
  mongo_odm_error_t err;
  /* corrupt saved states */
  uint8_t bad[] = {12, 0, 0, 0, 0x42, 'a', 0, 1, 0, 0, 0, 0};
  bson_t corrupt;
  assert_true(bson_init_static(&corrupt, bad, sizeof bad));
  mongo_odm_model_t *model = feature_model("err_paths", true, false);
  mongo_odm_doc_t *doc = new_doc(model, "e", "e", 1);
  bson_t *not_framed = bson_new_from_data((const uint8_t *)"\x05\x00\x00\x00\x00", 5);
  assert_true(mongo_odm_doc_set_saved_state(doc, not_framed, &err)); /* the empty document is fine */
  bson_destroy(not_framed);
  assert_false(mongo_odm_doc_set_saved_state(doc, &corrupt, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  mongo_odm_collection_t *coll = tu_collection(model);
  bson_t *d = tu_bson("{\"_id\": 1, \"a\": 1}");
  assert_false(mongo_odm_collection_save(coll, d, &corrupt, MONGO_ODM_SAVE_CHANGES, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_ENCODING);
  /* a changed field no update can name: get_changes refuses, is_changed says yes, save writes whole */
  assert_true(mongo_odm_doc_set_saved_state(doc, NULL, &err));
  save_ok(doc);
  assert_true(mongo_odm_doc_set_int32(doc, "x.y", 1, &err));
  bson_t update;
  bool changed = false;
  assert_false(mongo_odm_doc_get_changes(doc, false, &update, &changed, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_contains(err.message, "'x.y'");
  bson_destroy(&update);
  assert_true(mongo_odm_doc_is_changed(doc));
  /* a model without a collection name */
  mongo_odm_model_t *anon = mongo_odm_model_new(NULL, &err);
  bson_t *keys = tu_bson("{\"a\": 1}");
  assert_true(mongo_odm_model_add_index(anon, keys, NULL, &err));
  bson_t reply;
  assert_false(mongo_odm_ensure_indexes(anon, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  bson_destroy(&reply);
  assert_null(mongo_odm_bulk_new(anon, true, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  mongo_odm_model_t *sub = mongo_odm_model_new(NULL, &err);
  assert_true(mongo_odm_model_add_field(sub, "name", MONGO_ODM_TYPE_UTF8, 0, &err));
  assert_null(mongo_odm_find_as(anon, sub, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_NOT_IMPLEMENTED);
  /* a projected document that does not fit its model: VALIDATION, as for any load */
  mongo_odm_model_t *strict = mongo_odm_model_new(NULL, &err);
  assert_true(mongo_odm_model_add_field(strict, "missing", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED, &err));
  assert_null(mongo_odm_find_one_as(model, strict, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_VALIDATION);
  /* a server that cannot be reached: the bulk reports it, its reply has zero counts, the queue
   * is empty afterwards; ensure_indexes and list_indexes too */
  mongo_odm_client_t *gone = mongo_odm_client_new("mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200", NULL, NULL, &err);
  mongo_odm_collection_t *far = mongo_odm_collection_new(gone, "db", "c", &err);
  mongo_odm_bulk_t *bulk = mongo_odm_collection_bulk_new(far, true, &err);
  assert_true(mongo_odm_bulk_insert(bulk, d, &err));
  assert_false(mongo_odm_bulk_execute(bulk, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  tu_assert_bson_int(&reply, "nInserted", 0);
  bson_destroy(&reply);
  assert_int_equal(mongo_odm_bulk_size(bulk), 0);
  bson_t *spec = tu_bson("{\"key\": {\"a\": 1}}");
  const bson_t *specs[] = {spec};
  assert_false(mongo_odm_collection_ensure_indexes(far, specs, 1, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  bson_destroy(&reply);
  bson_destroy(spec);
  assert_false(mongo_odm_collection_list_indexes(far, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  bson_destroy(&reply);
  assert_false(mongo_odm_collection_save(far, d, NULL, MONGO_ODM_SAVE_REVISION, NULL, &reply, &err));
  assert_code(err, MONGO_ODM_ERROR_CONNECTION);
  bson_destroy(&reply);
  mongo_odm_bulk_destroy(bulk);
  mongo_odm_collection_destroy(far);
  mongo_odm_client_destroy(gone);
  mongo_odm_model_destroy(strict);
  mongo_odm_model_destroy(sub);
  mongo_odm_model_destroy(anon);
  bson_destroy(keys);
  bson_destroy(d);
  mongo_odm_collection_destroy(coll);
  mongo_odm_doc_destroy(doc);
  cleanup(model);
}

/* ---- projections --------------------------------------------------------------------------- */

static void test_projection(void **state) {
  (void)state;
  mongo_odm_model_t *model = feature_model("proj", false, false);
  mongo_odm_error_t err;
  for (int i = 0; i < 3; ++i) {
    char id[8];
    snprintf(id, sizeof id, "p%d", i);
    mongo_odm_doc_t *doc = new_doc(model, id, "name", i);
    assert_true(mongo_odm_doc_set_utf8(doc, "secret", "hidden", &err));
    save_ok(doc);
    mongo_odm_doc_destroy(doc);
  }
  mongo_odm_model_t *sub = mongo_odm_model_new(NULL, &err);
  assert_true(mongo_odm_model_add_field(sub, "n", MONGO_ODM_TYPE_INT32, MONGO_ODM_FIELD_REQUIRED, &err));
  bson_t proj;
  assert_true(mongo_odm_model_projection(sub, &proj, &err));
  assert_json(&proj, "{\"n\": 1}");
  bson_destroy(&proj);

  bson_t *sort = tu_bson("{\"sort\": {\"n\": 1}}");
  mongo_odm_cursor_t *cursor = mongo_odm_find_as(model, sub, NULL, sort, &err);
  assert_non_null(cursor);
  const mongo_odm_doc_t *doc;
  int count = 0;
  while (mongo_odm_cursor_next(cursor, &doc)) {
    assert_ptr_equal(mongo_odm_doc_model(doc), sub);
    bson_t b;
    assert_true(mongo_odm_doc_to_bson(doc, false, &b, &err));
    char expected[64];
    snprintf(expected, sizeof expected, "{\"_id\": \"p%d\", \"n\": %d}", count, count);
    assert_json(&b, expected);
    bson_destroy(&b);
    ++count;
  }
  assert_false(mongo_odm_cursor_error(cursor, &err));
  assert_int_equal(count, 3);
  mongo_odm_cursor_destroy(cursor);

  bson_t *filter = tu_bson("{\"n\": 2}");
  mongo_odm_doc_t *one = mongo_odm_find_one_as(model, sub, filter, NULL, &err);
  assert_non_null(one);
  assert_string_equal(mongo_odm_doc_id(one), "p2");
  assert_false(mongo_odm_doc_has(one, "secret"));
  assert_false(mongo_odm_doc_has(one, "name"));
  mongo_odm_doc_destroy(one);
  bson_t *none = tu_bson("{\"n\": 42}");
  assert_null(mongo_odm_find_one_as(model, sub, none, NULL, &err));
  assert_ok(err);
  /* try_find_one_as: found, not found, failed, told apart without the error code */
  bool found = false;
  assert_true(mongo_odm_try_find_one_as(model, sub, filter, NULL, &one, &found, &err));
  assert_ok(err);
  assert_true(found);
  assert_ptr_equal(mongo_odm_doc_model(one), sub);
  assert_string_equal(mongo_odm_doc_id(one), "p2");
  assert_false(mongo_odm_doc_has(one, "secret"));
  mongo_odm_doc_destroy(one);
  assert_true(mongo_odm_try_find_one_as(model, sub, none, NULL, &one, &found, &err));
  assert_false(found);
  assert_null(one);
  one = (mongo_odm_doc_t *)1; /* reset on failure too */
  found = true;
  bson_t *bad_filter = tu_bson("{\"n\": {\"$nosuchop\": 1}}");
  assert_false(mongo_odm_try_find_one_as(model, sub, bad_filter, NULL, &one, &found, &err));
  assert_code(err, MONGO_ODM_ERROR_SERVER);
  assert_null(one);
  assert_false(found);
  bson_destroy(bad_filter);

  /* a projection in opts, a projection model without fields */
  bson_t *with_proj = tu_bson("{\"projection\": {\"n\": 1}}");
  assert_null(mongo_odm_find_as(model, sub, NULL, with_proj, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  mongo_odm_model_t *empty = mongo_odm_model_new(NULL, &err);
  assert_null(mongo_odm_find_one_as(model, empty, NULL, NULL, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  assert_false(mongo_odm_model_projection(empty, &proj, &err));
  assert_code(err, MONGO_ODM_ERROR_INVALID_ARGUMENT);
  bson_destroy(&proj);
  mongo_odm_model_destroy(empty);

  bson_destroy(with_proj);
  bson_destroy(none);
  bson_destroy(filter);
  bson_destroy(sort);
  mongo_odm_model_destroy(sub);
  cleanup(model);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_diff_rules),
      cmocka_unit_test(test_state_new_document_saved_whole),
      cmocka_unit_test(test_state_sends_only_changes),
      cmocka_unit_test(test_state_deleted_meanwhile_is_written_whole),
      cmocka_unit_test(test_state_cursor_copy_and_explicit_state),
      cmocka_unit_test(test_collection_save_raw),
      cmocka_unit_test(test_revision_conflict),
      cmocka_unit_test(test_revision_with_state_management),
      cmocka_unit_test(test_revision_new_document_does_not_overwrite),
      cmocka_unit_test(test_revision_legacy_document_and_other_duplicates),
      cmocka_unit_test(test_revision_threads),
      cmocka_unit_test(test_indexes_ensure_idempotent_and_unique),
      cmocka_unit_test(test_indexes_conflicts),
      cmocka_unit_test(test_indexes_sparse),
      cmocka_unit_test(test_indexes_ttl_and_partial),
      cmocka_unit_test(test_bulk_mixed_counts),
      cmocka_unit_test(test_bulk_batches_and_errors),
      cmocka_unit_test(test_projection),
      cmocka_unit_test(test_error_paths),
  };
  tu_apply_skip_filter();
  return cmocka_run_group_tests_name("features", tests, tu_setup_connected, tu_teardown_connected);
}
