// Changed-field saves and revisions (mongo_odm/changes.h): the diff of a document's saved state
// and its current state, and the one save rule every binding reaches through the C API.
//
// The rules, written once here:
//  - diff(): top-level fields. A field that is new or whose value differs from the saved one
//    (BSON type or bytes: 1 and 1.0 differ, so do {a, b} and {b, a}) is $set whole (a changed
//    nested value sends its whole top-level field); a saved field that is gone is $unset. "_id"
//    never takes part (an update cannot change it).
//  - save(): a document without a saved state of the same _id is new and is written whole, as
//    lightodm's save does (replace_one by _id, upsert). With kChanges, a known document sends
//    only its diff (nothing at all when nothing changed). With kRevision, every write stores a
//    new revision (a fresh ObjectId string in "revision_id") and is conditional on the stored
//    revision being the one the document was loaded or last saved with; a new document
//    conditions on a revision nobody has, so it can only be inserted. When the condition fails
//    the save writes nothing and throws Code::revision_conflict.
//  - A save with revisions holds a process-wide lock of its document (namespace and _id) from
//    its revision check to its last write. MongoDB applies a write's filter atomically, and the
//    lock only orders this process's saves of one document, which would conflict anyway. Some
//    servers do not: FerretDB 1.24's SQLite backend finds the matching documents, then updates
//    them by _id (internal/handler/msg_update.go), so two writers filtering on the same
//    revision may both match. There the lock makes revisions exact among the writers of one
//    process; writers in other processes are only as safe as the server's filters.
#pragma once

#include <bson/bson.h>

#include <memory>
#include <string>

namespace mongo_odm::core {

class Collection;
class Document;

namespace changes {

// Beanie's field name; mongo_odm/changes.h: MONGO_ODM_REVISION_FIELD.
constexpr const char *kRevisionField = "revision_id";

// Save flags (mirror MONGO_ODM_SAVE_CHANGES / MONGO_ODM_SAVE_REVISION, checked in
// src/capi/changes.cpp).
constexpr unsigned kChanges = 1u << 0;
constexpr unsigned kRevision = 1u << 1;

enum class Outcome {
  unchanged,       // `update` stays empty
  update,          // `update` holds {$set?, $unset?}
  replace_needed,  // a changed key cannot be written as an update path ('.' in it): `update`
                   // stays empty, `bad_key` (when given) names it
};

// Appends to `update` (initialized, empty) the update that turns `saved` into `current` (both
// whole documents; see the rules above). `skip` (may be NULL) names one more top-level key
// left out of the comparison. Throws Code::encoding for corrupt BSON.
Outcome diff(const bson_t *saved, const bson_t *current, bson_t *update, const char *skip = nullptr,
             std::string *bad_key = nullptr);

enum class Sent { nothing, update, replace };

struct SaveResult {
  Sent sent = Sent::nothing;
  std::string revision;  // the revision now stored (kRevision and something sent), else empty
  bool upserted = false;  // the document was inserted (it did not exist)
};

// Saves `document` (a whole document with a non-null "_id") on `coll` under the rules above.
// `saved` (may be NULL) is its saved state; `flags` kChanges | kRevision. `stored` (may be
// NULL; initialized, empty) receives the document as the database now has it, to be the saved
// state of the next save: `document` with the new revision (unchanged fields in their order),
// or a copy of `saved` when nothing was sent.
// Errors: MISSING_ID, ENCODING (check_storable), REVISION_CONFLICT, and the collection's.
SaveResult save(const Collection &coll, const bson_t *document, const bson_t *saved, unsigned flags,
                bson_t *stored);

// A model document's save when its model tracks state (crud::save branches here): converts
// it (to_bson(exclude_none)), saves it with its model's flags, then sets its revision field and
// its saved state.
void save_document(Document &doc, bool exclude_none);

// What save_document() would send for `doc`: the diff of its saved state (none: {}) and
// to_bson(exclude_none). True when there is a change. INVALID_ARGUMENT for a changed field no
// update can name.
bool document_changes(const Document &doc, bool exclude_none, bson_t *update);

// True when save_document(doc, false) would write: a new document (no saved state of its id),
// a changed one, or one whose changes cannot be computed.
bool document_is_changed(const Document &doc) noexcept;

}  // namespace changes
}  // namespace mongo_odm::core
