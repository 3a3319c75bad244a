/*
 * mongo_odm/changes.h - changed-field saves and revisions (optimistic concurrency). (Since 0.2.)
 *
 * Both are off by default: a save is lightodm's replace_one({_id}, document, upsert=true).
 *
 * State management (mongo_odm_model_set_use_state_management()): a document loaded from the
 * database (mongo_odm_get, mongo_odm_find_one, mongo_odm_find, ...) or saved remembers its
 * saved state, the whole document as the database has it. mongo_odm_doc_save() of such a
 * document then sends only {"$set": ..., "$unset": ...} of the top-level fields that differ
 * (a changed nested value sends its whole top-level field), and nothing at all when nothing
 * changed. A new document (mongo_odm_doc_new, mongo_odm_doc_from_bson) is saved whole.
 *
 * The comparison (mongo_odm_diff()): a field is changed when it is new or its value differs
 * from the saved one in BSON type or bytes (int32 1 and double 1.0 differ, so do {a, b} and
 * {b, a}); a saved field that is gone is $unset; "_id" never takes part. A changed field whose
 * name holds '.' (or starts with '$') cannot be named by an update: such a save writes the
 * whole document. Fields a $set adds go after the existing ones, where a whole-document save
 * would have put them in the document's order.
 *
 * Revisions (mongo_odm_model_set_use_revision()): every save stores a new revision in the
 * field MONGO_ODM_REVISION_FIELD (a new ObjectId's 24-hex string) and is conditional on the
 * stored revision being the one the document was loaded or last saved with: the write is
 * filtered on {_id, revision_id: <that revision>}. When another writer saved the document in
 * between, the save writes nothing and fails with MONGO_ODM_ERROR_REVISION_CONFLICT: reload
 * the document, apply the change again, save again. A new document (never loaded or saved)
 * conditions on a revision no stored document has, so it can only be inserted: when a
 * document with its id exists, the save fails with REVISION_CONFLICT too (its upsert hits a
 * duplicate _id, which the library tells from another unique index's duplicate key by reading
 * the stored document's revision). A document whose saved state has no revision (stored
 * before revisions were enabled) matches a stored revision that is null or missing. A
 * document that was deleted meanwhile is written again, whole.
 *
 * Bulk writes (bulk.h) and mongo_odm_insert_many() write documents as they are: no revision
 * check, no saved state.
 */
#ifndef MONGO_ODM_CHANGES_H
#define MONGO_ODM_CHANGES_H

#include <stdbool.h>

#include <bson/bson.h>

#include "error.h"
#include "macros.h"
#include "types.h"

MONGO_ODM_BEGIN_DECLS

/* The field revisions are stored in (Beanie's name). */
#define MONGO_ODM_REVISION_FIELD "revision_id"

/* Flags of mongo_odm_collection_save(). */
enum {
  MONGO_ODM_SAVE_CHANGES = 1u << 0,  /* a known document sends only its changes */
  MONGO_ODM_SAVE_REVISION = 1u << 1  /* conditional on the saved revision; stores a new one */
};

/* ---- the comparison, on raw BSON ------------------------------------------------------- */

/* The update that turns `saved` into `current` (whole documents, both borrowed), by the rules
 * above: `update` (may be NULL; uninitialized caller storage, always initialized, also on
 * failure; the caller bson_destroy()s it) receives {"$set": {...}, "$unset": {"field": ""}}, each operator
 * only when it has fields, and `*changed` (required) whether there is any change ({} when not).
 * Errors: INVALID_ARGUMENT (NULL saved, current or changed; a changed field whose name holds
 * '.' or starts with '$', which no update can name: the message names it), ENCODING (corrupt
 * BSON). */
MONGO_ODM_API(bool) mongo_odm_diff(const bson_t *saved, const bson_t *current, bson_t *update, bool *changed,
                                   mongo_odm_error_t *error);

/* Saves the whole document `document` (borrowed; it must have a non-null "_id") on
 * `collection` by the rules above: `saved` (may be NULL: a new document) is its saved state,
 * `flags` MONGO_ODM_SAVE_CHANGES and/or MONGO_ODM_SAVE_REVISION (0: lightodm's upsert by _id).
 * With MONGO_ODM_SAVE_REVISION the value of MONGO_ODM_REVISION_FIELD in `document` is replaced
 * by the new revision in what is sent. `stored` (may be NULL; uninitialized caller storage,
 * always initialized) receives the document as the database now has it, the saved state for
 * the next save (a copy of `saved` when nothing was sent). `reply` (may be NULL, always
 * initialized): {"sent": "nothing" | "update" | "replace", "upserted": bool, and with
 * MONGO_ODM_SAVE_REVISION when something was sent "revision": the new revision}.
 * Errors: INVALID_ARGUMENT (NULL collection or document, unknown flag bits), MISSING_ID (no
 * or a null "_id"), ENCODING (a document that cannot be stored, corrupt `saved`),
 * REVISION_CONFLICT, and the collection operations' (collection.h). */
MONGO_ODM_API(bool) mongo_odm_collection_save(mongo_odm_collection_t *collection, const bson_t *document,
                                              const bson_t *saved, unsigned flags, bson_t *stored, bson_t *reply,
                                              mongo_odm_error_t *error);

/* ---- models and documents -------------------------------------------------------------- */

/* Settings.use_state_management / Settings.use_revision of the model (both false by default).
 * Configure before loading documents: a document remembers its saved state only when it is
 * loaded or saved by a model with one of them on. A model that declares MONGO_ODM_REVISION_FIELD
 * with a type other than UTF8 or ANY makes saves fail with INVALID_ARGUMENT.
 * Errors: INVALID_ARGUMENT (NULL model). The getters return false for NULL. */
MONGO_ODM_API(bool) mongo_odm_model_set_use_state_management(mongo_odm_model_t *model, bool enabled,
                                                             mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_model_use_state_management(const mongo_odm_model_t *model);
MONGO_ODM_API(bool) mongo_odm_model_set_use_revision(mongo_odm_model_t *model, bool enabled,
                                                     mongo_odm_error_t *error);
MONGO_ODM_API(bool) mongo_odm_model_use_revision(const mongo_odm_model_t *model);

/* The document's saved state (borrowed, valid until the document is next saved, loaded,
 * given a saved state or destroyed), or NULL for a new document and for NULL. */
MONGO_ODM_API(const bson_t *) mongo_odm_doc_saved_state(const mongo_odm_doc_t *doc);

/* Sets the saved state to a copy of `saved` (a whole document as the database has it, e.g.
 * read with the raw collection API), or forgets it (NULL: the document becomes new).
 * Errors: INVALID_ARGUMENT (NULL doc), ENCODING (`saved` is not valid BSON). */
MONGO_ODM_API(bool) mongo_odm_doc_set_saved_state(mongo_odm_doc_t *doc, const bson_t *saved,
                                                  mongo_odm_error_t *error);

/* What mongo_odm_doc_save(doc, exclude_none) would change: the diff of the saved state and
 * mongo_odm_doc_to_bson(doc, exclude_none), or for a new document every field in "$set"
 * (the revision field left out when the model uses revisions). `update` (may be NULL) as for
 * mongo_odm_diff(); `*changed` (required) true when there is something to write.
 * Errors: INVALID_ARGUMENT (NULL doc or changed; a changed field no update can name), and
 * mongo_odm_doc_to_bson()'s. */
MONGO_ODM_API(bool) mongo_odm_doc_get_changes(const mongo_odm_doc_t *doc, bool exclude_none, bson_t *update,
                                              bool *changed, mongo_odm_error_t *error);

/* True when a save (exclude_none false) would write something: a new document, a changed
 * one, or one whose changes cannot be computed (to_bson fails, a field no update can name).
 * False when nothing changed since it was loaded or saved, and for NULL. */
MONGO_ODM_API(bool) mongo_odm_doc_is_changed(const mongo_odm_doc_t *doc);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_CHANGES_H */
