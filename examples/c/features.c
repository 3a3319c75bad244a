/*
 * features.c - declared indexes, changed-field saves, revisions, bulk writes and projections
 * (docs/features.md) through the C API.
 *
 *   MONGO_URL=mongodb://127.0.0.1:27017 MONGO_DB_NAME=features ./features
 * MONGO_USER / MONGO_PASSWORD are used when set.
 */
#include <mongo_odm.h>

#include <stdio.h>
#include <stdlib.h>

static void check(bool ok, const mongo_odm_error_t *error, const char *what) {
  if (!ok) {
    fprintf(stderr, "%s failed: %s: %s\n", what, mongo_odm_error_code_name(error->code), error->message);
    exit(1);
  }
}

/* mongo_odm_doc_new() returns NULL only for a NULL model or when memory is exhausted. */
static mongo_odm_doc_t *new_doc(const mongo_odm_model_t *model) {
  mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
  if (!doc) {
    fprintf(stderr, "doc_new failed: out of memory\n");
    exit(1);
  }
  return doc;
}

/* Borrowed strings (mongo_odm_doc_id(), mongo_odm_doc_get_utf8(), ...) are NULL when the value
 * is absent or of another type: never hand NULL to printf's %s. */
static const char *or_missing(const char *s) { return s ? s : "(missing)"; }

static void print_json(const char *label, const bson_t *doc) {
  char *json = bson_as_relaxed_extended_json(doc, NULL); /* NULL for corrupt BSON */
  printf("%s %s\n", label, or_missing(json));
  bson_free(json);
}

int main(void) {
  mongo_odm_error_t error;
  check(mongo_odm_init_checked(&error) > 0, &error, "init");
  check(mongo_odm_connect(NULL, NULL, NULL, NULL, &error), &error, "connect");

  /* A model with state management and revisions, and two declared indexes. */
  mongo_odm_model_t *accounts = mongo_odm_model_new("features_c_accounts", &error);
  check(accounts != NULL, &error, "model_new");
  check(mongo_odm_model_add_field(accounts, "email", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED, &error), &error,
        "add_field");
  check(mongo_odm_model_add_field(accounts, "balance", MONGO_ODM_TYPE_INT32, 0, &error), &error, "add_field");
  check(mongo_odm_model_set_use_state_management(accounts, true, &error), &error, "state management");
  check(mongo_odm_model_set_use_revision(accounts, true, &error), &error, "revisions");
  bson_t *email = BCON_NEW("email", BCON_INT32(1));
  bson_t *unique = BCON_NEW("unique", BCON_BOOL(true));
  bson_t *by_balance = BCON_NEW("balance", BCON_INT32(-1));
  check(mongo_odm_model_add_index(accounts, email, unique, &error), &error, "add_index email");
  check(mongo_odm_model_add_index(accounts, by_balance, NULL, &error), &error, "add_index balance");
  bson_t all = BSON_INITIALIZER;
  check(mongo_odm_delete_many(accounts, &all, NULL, &error), &error, "delete_many");

  /* 1. Indexes: one call creates what is missing (and nothing the second time). */
  bson_t reply;
  check(mongo_odm_ensure_indexes(accounts, &reply, &error), &error, "ensure_indexes");
  print_json("ensure_indexes:", &reply);
  bson_destroy(&reply);

  /* 2. A new document is saved whole; a loaded one sends only its changes. */
  mongo_odm_doc_t *ada = new_doc(accounts);
  check(mongo_odm_doc_set_utf8(ada, "email", "ada@example.com", &error), &error, "set email");
  check(mongo_odm_doc_set_int32(ada, "balance", 0, &error), &error, "set balance");
  check(mongo_odm_doc_save(ada, false, &error), &error, "save");
  printf("saved with revision %s\n", or_missing(mongo_odm_doc_get_utf8(ada, MONGO_ODM_REVISION_FIELD)));

  const char *ada_id = mongo_odm_doc_id(ada); /* NULL for an id that is not an ObjectId string */
  if (!ada_id) {
    fprintf(stderr, "save: the document has no ObjectId string id\n");
    return 1;
  }
  mongo_odm_doc_t *first = NULL, *second = NULL;
  bool found_first = false, found_second = false;
  check(mongo_odm_try_get(accounts, ada_id, &first, &found_first, &error), &error, "get");
  check(mongo_odm_try_get(accounts, ada_id, &second, &found_second, &error), &error, "get");
  if (!found_first || !found_second) {
    fprintf(stderr, "get: the document just saved is not found\n");
    return 1;
  }
  check(mongo_odm_doc_set_int32(first, "balance", 10, &error), &error, "set");
  bool changed = false;
  check(mongo_odm_doc_get_changes(first, false, &reply, &changed, &error), &error, "get_changes");
  print_json("would send:", &reply);
  bson_destroy(&reply);
  check(mongo_odm_doc_save(first, false, &error), &error, "save first");

  /* 3. The second copy was loaded at the old revision: its save is refused, nothing written. */
  check(mongo_odm_doc_set_int32(second, "balance", 20, &error), &error, "set");
  if (mongo_odm_doc_save(second, false, &error)) {
    fprintf(stderr, "save second: expected a revision conflict, the save went through\n");
    return 1;
  }
  check(error.code == MONGO_ODM_ERROR_REVISION_CONFLICT, &error, "save second");
  printf("revision conflict: %s\n", error.message);

  /* 4. Bulk writes: queued, then sent in batches of at most MONGO_ODM_BULK_MAX_BATCH. */
  mongo_odm_bulk_t *bulk = mongo_odm_bulk_new(accounts, true, &error);
  check(bulk != NULL, &error, "bulk_new");
  for (int i = 0; i < 5; ++i) {
    char address[32];
    snprintf(address, sizeof address, "user%d@example.com", i);
    mongo_odm_doc_t *doc = new_doc(accounts);
    check(mongo_odm_doc_set_utf8(doc, "email", address, &error), &error, "set");
    check(mongo_odm_doc_set_int32(doc, "balance", i, &error), &error, "set");
    check(mongo_odm_bulk_insert_doc(bulk, doc, &error), &error, "bulk insert");
    mongo_odm_doc_destroy(doc);
  }
  bson_t *small = BCON_NEW("balance", "{", "$lt", BCON_INT32(2), "}");
  bson_t *bonus = BCON_NEW("$inc", "{", "balance", BCON_INT32(100), "}");
  check(mongo_odm_bulk_update_many(bulk, small, bonus, false, &error), &error, "bulk update");
  check(mongo_odm_bulk_execute(bulk, &reply, &error), &error, "bulk execute");
  print_json("bulk:", &reply);
  bson_destroy(&reply);

  /* 5. Projections: read the documents as a model of one field. */
  mongo_odm_model_t *emails = mongo_odm_model_new(NULL, &error);
  check(emails != NULL, &error, "model_new");
  check(mongo_odm_model_add_field(emails, "email", MONGO_ODM_TYPE_UTF8, 0, &error), &error, "add_field");
  mongo_odm_cursor_t *cursor = mongo_odm_find_as(accounts, emails, NULL, NULL, &error);
  check(cursor != NULL, &error, "find_as");
  const mongo_odm_doc_t *doc;
  while (mongo_odm_cursor_next(cursor, &doc)) printf("email: %s\n", or_missing(mongo_odm_doc_get_utf8(doc, "email")));
  check(!mongo_odm_cursor_error(cursor, &error), &error, "cursor");
  mongo_odm_cursor_destroy(cursor);

  check(mongo_odm_delete_many(accounts, &all, NULL, &error), &error, "delete_many");
  bson_destroy(small);
  bson_destroy(bonus);
  bson_destroy(email);
  bson_destroy(unique);
  bson_destroy(by_balance);
  mongo_odm_bulk_destroy(bulk);
  mongo_odm_doc_destroy(first);
  mongo_odm_doc_destroy(second);
  mongo_odm_doc_destroy(ada);
  mongo_odm_model_destroy(emails);
  mongo_odm_model_destroy(accounts);
  mongo_odm_disconnect();
  mongo_odm_cleanup();
  return 0;
}
