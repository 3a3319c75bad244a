#include "changes.hpp"

#include <atomic>
#include <cstring>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "bson_util.hpp"
#include "collection.hpp"
#include "crud.hpp"
#include "document.hpp"
#include "error.hpp"
#include "ids.hpp"
#include "library.hpp"
#include "model.hpp"

namespace mongo_odm::core {
namespace changes {

namespace {

// The bytes of the value an iterator points at (after its type byte and key). Computed from
// the element's own offsets: libbson leaves d1 stale for types without data (null, min/max).
struct ValueBytes {
  bson_type_t type;
  const uint8_t *data;
  uint32_t len;
};

ValueBytes value_bytes(const bson_iter_t &it) {
  const uint32_t start = it.off + 1 + bson_iter_key_len(&it) + 1;
  return ValueBytes{bson_iter_type(&it), it.raw + start, it.next_off - start};
}

bool same_bytes(const ValueBytes &a, const ValueBytes &b) {
  return a.type == b.type && a.len == b.len && std::memcmp(a.data, b.data, a.len) == 0;
}

bool is_underscore_id(const char *key, uint32_t len) { return len == 3 && std::memcmp(key, "_id", 3) == 0; }

// A key an update cannot name as a top-level path: MongoDB reads '.' as a path separator, and
// '$' would be an operator.
bool path_unsafe(const char *key, uint32_t len) { return len == 0 || key[0] == '$' || std::memchr(key, '.', len); }

void iter_init(bson_iter_t *it, const bson_t *doc, const char *what) {
  if (!bson_iter_init(it, doc)) fail(Code::encoding, std::string(what) + " is not valid BSON");
}

void check_end(const bson_iter_t &it, const char *what) {
  if (it.err_off) fail(Code::encoding, std::string(what) + " is not valid BSON (corrupt at byte " + std::to_string(it.err_off) + ")");
}

// The "_id" element of `doc`, or false.
bool find_id(const bson_t *doc, bson_iter_t *it) { return bson_iter_init_find(it, doc, "_id"); }

// True when both documents have an "_id" of the same type and bytes.
bool same_id(const bson_t *a, const bson_t *b) {
  bson_iter_t ia, ib;
  return find_id(a, &ia) && find_id(b, &ib) && same_bytes(value_bytes(ia), value_bytes(ib));
}

// `doc` with the top-level `key` set to the string `value`: in place when it is there, else
// appended.
void with_string_field(const bson_t *doc, const char *key, const std::string &value, bson_t *out) {
  bson_iter_t it;
  iter_init(&it, doc, "document");
  bool replaced = false;
  while (bson_iter_next(&it)) {
    if (!replaced && std::strcmp(bson_iter_key(&it), key) == 0) {
      bson_append_utf8(out, key, -1, value.data(), static_cast<int>(value.size()));
      replaced = true;
    } else if (!bson_append_iter(out, nullptr, 0, &it)) {
      fail(Code::encoding, "document is too large");
    }
  }
  if (!replaced) bson_append_utf8(out, key, -1, value.data(), static_cast<int>(value.size()));
}

// `update` ({$set?, $unset?}) with `key`: `value` added to its $set.
void add_to_set(const bson_t *update, const char *key, const std::string &value, bson_t *out) {
  bson_t set;
  BSON_APPEND_DOCUMENT_BEGIN(out, "$set", &set);
  bson_iter_t it, sub;
  if (bson_iter_init_find(&it, update, "$set") && bson_iter_recurse(&it, &sub)) {
    while (bson_iter_next(&sub)) bson_append_iter(&set, nullptr, 0, &sub);
  }
  bson_append_utf8(&set, key, -1, value.data(), static_cast<int>(value.size()));
  bson_append_document_end(out, &set);
  if (bson_iter_init_find(&it, update, "$unset")) bson_append_iter(out, nullptr, 0, &it);
}

// The _id of a document as text for messages: Python's str() where it has one.
std::string id_text(const bson_value_t &id) {
  std::string text;
  if (ids::append_python_str(id, text)) return "'" + text + "'";
  return std::string("of type ") + bson_type_name(id.value_type);
}

// The filter's revision condition: the revision the document was loaded or saved with (a
// saved state without one: documents written before revisions were enabled, matched by null,
// which also matches a missing field), or for a new document its fresh revision, which no
// stored document can have.
void append_revision_condition(bson_t *filter, const bson_t *known_saved, const std::string &new_revision) {
  if (!known_saved) {
    bson_append_utf8(filter, kRevisionField, -1, new_revision.data(), static_cast<int>(new_revision.size()));
    return;
  }
  bson_iter_t it;
  if (bson_iter_init_find(&it, known_saved, kRevisionField) && !BSON_ITER_HOLDS_NULL(&it)) {
    bson_append_iter(filter, kRevisionField, -1, &it);
  } else {
    bson_append_null(filter, kRevisionField, -1);
  }
}

// After a conditional write found no document to write (`after_duplicate`: its upsert hit a
// duplicate key): throws REVISION_CONFLICT when a document with this _id exists under another
// revision. Returns when there is none (it was deleted meanwhile) or, after a duplicate key,
// when the stored revision is the expected one (the duplicate is another unique index's).
void check_conflict(const Collection &coll, const bson_value_t &id, const bson_t *known_saved, bool after_duplicate) {
  Bson filter, opts, found;
  bson_append_value(filter.get(), "_id", -1, &id);
  bson_t projection;
  BSON_APPEND_DOCUMENT_BEGIN(opts.get(), "projection", &projection);
  BSON_APPEND_INT32(&projection, "_id", 1);
  BSON_APPEND_INT32(&projection, kRevisionField, 1);
  bson_append_document_end(opts.get(), &projection);
  if (!coll.find_one(filter.get(), opts.get(), found.get())) return;
  bson_iter_t stored_it, expected_it;
  const bool has_stored = bson_iter_init_find(&stored_it, found.get(), kRevisionField) && !BSON_ITER_HOLDS_NULL(&stored_it);
  std::string stored_text = has_stored && BSON_ITER_HOLDS_UTF8(&stored_it) ? bson_iter_utf8(&stored_it, nullptr) : "";
  if (!known_saved) {
    fail(Code::revision_conflict,
         "save: a document with _id " + id_text(id) +
             " exists already and this one was never loaded: with revisions a save does not overwrite a "
             "document it has not seen (load it, apply the change, save it)");
  }
  const bool has_expected =
      bson_iter_init_find(&expected_it, known_saved, kRevisionField) && !BSON_ITER_HOLDS_NULL(&expected_it);
  const bool same = has_stored == has_expected &&
                    (!has_stored || same_bytes(value_bytes(stored_it), value_bytes(expected_it)));
  if (same && after_duplicate) return;
  std::string expected_text =
      has_expected && BSON_ITER_HOLDS_UTF8(&expected_it) ? bson_iter_utf8(&expected_it, nullptr) : "";
  fail(Code::revision_conflict, "save: revision conflict on the document with _id " + id_text(id) +
                                    ": it was loaded or last saved with revision_id '" + expected_text +
                                    "' but the stored one is now '" + stored_text +
                                    "' (another writer saved it); nothing was written: reload it and save again");
}

// Saves with revisions of one document are serialized within the process (see changes.hpp):
// a fixed set of mutexes, a document's chosen by the hash of its namespace and _id. A forked
// child gets a set of its own (one the parent's threads held at fork() would stay locked);
// the parent's is abandoned, as pools are.
struct SaveLocks {
  static constexpr size_t kStripes = 64;
  explicit SaveLocks(unsigned g) : generation(g) {}
  unsigned generation;
  std::mutex stripes[kStripes];
};

std::mutex &save_lock(const Collection &coll, const ValueBytes &id) {
  static std::atomic<SaveLocks *> current{nullptr};
  const unsigned generation = library::fork_generation();
  SaveLocks *locks = current.load(std::memory_order_acquire);
  if (!locks || locks->generation != generation) {
    auto *fresh = new SaveLocks(generation);
    if (current.compare_exchange_strong(locks, fresh, std::memory_order_acq_rel)) {
      locks = fresh;
    } else {
      delete fresh;  // another thread installed one first (`locks` is it now)
    }
  }
  size_t h = std::hash<std::string_view>{}(coll.db());
  h = h * 31 + std::hash<std::string_view>{}(coll.name());
  h = h * 31 + std::hash<std::string_view>{}(std::string_view(reinterpret_cast<const char *>(id.data), id.len));
  h = h * 31 + static_cast<size_t>(id.type);
  return locks->stripes[h % SaveLocks::kStripes];
}

}  // namespace

// Three passes (the saved fields by key, the current fields against them, the removed fields);
// each branch is one rule of the diff documented in changes.hpp, so it is kept in one place.
Outcome diff(const bson_t *saved, const bson_t *current, bson_t *update, const char *skip, std::string *bad_key) {
  require(saved, "saved");
  require(current, "current");
  const size_t skip_len = skip ? std::strlen(skip) : 0;
  auto skipped = [&](const char *key, uint32_t len) {
    return is_underscore_id(key, len) || (skip && len == skip_len && std::memcmp(key, skip, len) == 0);
  };
  std::unordered_map<std::string_view, ValueBytes> before;
  bson_iter_t it;
  iter_init(&it, saved, "saved state");
  while (bson_iter_next(&it)) {
    const char *key = bson_iter_key(&it);
    const uint32_t len = bson_iter_key_len(&it);
    if (!skipped(key, len)) before.emplace(std::string_view(key, len), value_bytes(it));  // a duplicate: first wins
  }
  check_end(it, "saved state");

  auto unsafe = [&](const char *key, uint32_t len) {
    if (!path_unsafe(key, len)) return false;
    if (bad_key) bad_key->assign(key, len);
    return true;
  };
  Bson set, unset;
  bool any_set = false, any_unset = false;
  std::unordered_set<std::string_view> present;
  iter_init(&it, current, "document");
  while (bson_iter_next(&it)) {
    const char *key = bson_iter_key(&it);
    const uint32_t len = bson_iter_key_len(&it);
    if (skipped(key, len) || !present.emplace(key, len).second) continue;
    auto found = before.find(std::string_view(key, len));
    if (found != before.end() && same_bytes(found->second, value_bytes(it))) continue;
    if (unsafe(key, len)) return Outcome::replace_needed;
    bson_append_iter(set.get(), nullptr, 0, &it);
    any_set = true;
  }
  check_end(it, "document");
  // Removed fields, in the saved document's order.
  iter_init(&it, saved, "saved state");
  while (bson_iter_next(&it)) {
    const char *key = bson_iter_key(&it);
    const uint32_t len = bson_iter_key_len(&it);
    if (skipped(key, len) || present.count(std::string_view(key, len))) continue;
    if (unsafe(key, len)) return Outcome::replace_needed;
    present.emplace(key, len);  // a duplicate key is unset once
    bson_append_utf8(unset.get(), key, static_cast<int>(len), "", 0);
    any_unset = true;
  }
  if (!any_set && !any_unset) return Outcome::unchanged;
  if (any_set) BSON_APPEND_DOCUMENT(update, "$set", set.get());
  if (any_unset) BSON_APPEND_DOCUMENT(update, "$unset", unset.get());
  return Outcome::update;
}

namespace {

// What one save() is working with: the collection, the document's _id and its filter, the saved
// state (nullptr for a document the database has not given back) and the revision switch.
struct SaveContext {
  const Collection &coll;
  const bson_value_t &id;
  const bson_t *filter;
  const bson_t *saved;  // only when `known`
  bool revision;
};

// save(), changed fields: sends $set/$unset of what changed since `saved`. True when the save is
// done (nothing changed, or the update matched); false when the document must be written whole
// (a field path the update cannot name, or the update matched nothing because the document was
// deleted meanwhile). A lost revision race fails with REVISION_CONFLICT.
bool save_changes(const SaveContext &ctx, const bson_t *document, const bson_t *body, SaveResult &result,
                  bson_t *stored) {
  Bson update;
  const Outcome outcome = diff(ctx.saved, document, update.get(), ctx.revision ? kRevisionField : nullptr);
  if (outcome == Outcome::unchanged) {
    result.revision.clear();
    if (stored) bson_concat(stored, ctx.saved);
    return true;
  }
  if (outcome == Outcome::replace_needed) return false;
  Bson revised;
  const bson_t *to_send = update.get();
  if (ctx.revision) {
    add_to_set(update.get(), kRevisionField, result.revision, revised.get());
    to_send = revised.get();
  }
  Bson opts, reply;
  BSON_APPEND_BOOL(opts.get(), "upsert", false);
  ctx.coll.update(ctx.filter, to_send, opts.get(), reply.get(), /*many=*/false);
  if (reply_count(reply.get(), "matchedCount") > 0) {
    result.sent = Sent::update;
    if (stored) bson_concat(stored, body);
    return true;
  }
  // Nothing matched: another revision is stored, or the document was deleted meanwhile
  // (then it is written whole, as lightodm's save would).
  if (ctx.revision) check_conflict(ctx.coll, ctx.id, ctx.saved, /*after_duplicate=*/false);
  return false;
}

// save(), whole document: the upsert lightodm's save sends, guarded by the revision condition.
void save_whole(const SaveContext &ctx, const bson_t *body, SaveResult &result, bson_t *stored) {
  Bson opts, reply;
  BSON_APPEND_BOOL(opts.get(), "upsert", true);
  try {
    ctx.coll.replace_one(ctx.filter, body, opts.get(), reply.get(), /*checked=*/true);
  } catch (const Error &e) {
    // The condition did not match, so the upsert tried to insert an _id that exists.
    if (ctx.revision && e.code() == Code::duplicate_key) check_conflict(ctx.coll, ctx.id, ctx.saved, true);
    throw;
  }
  bson_iter_t upserted;
  result.upserted = bson_iter_init_find(&upserted, reply.get(), "upsertedId");
  if (ctx.revision && !result.upserted && reply_count(reply.get(), "matchedCount") == 0) {
    // A server that reports neither (not seen): the conflict check decides.
    check_conflict(ctx.coll, ctx.id, ctx.saved, false);
  }
  result.sent = Sent::replace;
  if (stored) bson_concat(stored, body);
}

}  // namespace

SaveResult save(const Collection &coll, const bson_t *document, const bson_t *saved, unsigned flags,
                bson_t *stored) {
  require(document, "document");
  if (flags & ~(kChanges | kRevision)) fail(Code::invalid_argument, "save: unknown flag bits");
  check_storable(document, "save");
  bson_iter_t id_it;
  if (!find_id(document, &id_it) || BSON_ITER_HOLDS_NULL(&id_it)) fail(Code::missing_id, "Document ID is required");
  const bson_value_t id = *bson_iter_value(&id_it);  // points into `document`
  if (saved) {
    bson_iter_t check;
    iter_init(&check, saved, "saved state");
    while (bson_iter_next(&check)) {
    }
    check_end(check, "saved state");
  }
  const bool known = saved && same_id(saved, document);
  const bool revision = (flags & kRevision) != 0;
  // The revision check and the write it guards are one step for this process's writers. The
  // operation scope comes first: fork() waits for it, so no save lock is held across fork().
  std::optional<library::OperationScope> scope;
  std::unique_lock<std::mutex> serialized;
  if (revision) {
    scope.emplace();
    serialized = std::unique_lock<std::mutex>(save_lock(coll, value_bytes(id_it)));
  }

  SaveResult result;
  Bson with_revision;
  const bson_t *body = document;
  if (revision) {
    result.revision = ids::new_object_id();
    with_string_field(document, kRevisionField, result.revision, with_revision.get());
    body = with_revision.get();
  }
  Bson filter;
  bson_append_value(filter.get(), "_id", -1, &id);
  if (revision) append_revision_condition(filter.get(), known ? saved : nullptr, result.revision);

  const SaveContext ctx{coll, id, filter.get(), known ? saved : nullptr, revision};
  if ((flags & kChanges) && known && save_changes(ctx, document, body, result, stored)) return result;
  save_whole(ctx, body, result, stored);
  return result;
}

void save_document(Document &doc, bool exclude_none) {
  const Model &model = *doc.model();
  Collection coll = crud::resolve(model);
  if (!model.has_composite_key() && !doc.has_effective_id()) fail(Code::missing_id, "Document ID is required");
  if (model.use_revision()) {
    const Field *field = model.field(kRevisionField);
    if (field && field->type != FieldType::utf8 && field->type != FieldType::any) {
      fail(Code::invalid_argument, std::string("the model declares '") + kRevisionField + "' as " +
                                       field_type_name(field->type) + ": revisions are strings (utf8 or any)");
    }
  }
  Bson current;
  doc.to_bson(exclude_none, current.get());
  const unsigned flags = (model.use_state_management() ? kChanges : 0) | (model.use_revision() ? kRevision : 0);
  auto stored = std::shared_ptr<bson_t>(bson_new(), bson_destroy);
  const SaveResult result = save(coll, current.get(), doc.saved_state(), flags, stored.get());
  if (result.sent == Sent::nothing) return;
  if (!result.revision.empty()) {
    bson_value_t value;
    value.value_type = BSON_TYPE_UTF8;
    value.value.v_utf8.str = const_cast<char *>(result.revision.c_str());
    value.value.v_utf8.len = static_cast<uint32_t>(result.revision.size());
    doc.set(kRevisionField, value);
  }
  doc.set_saved_state(std::move(stored));
}

bool document_changes(const Document &doc, bool exclude_none, bson_t *update) {
  Bson current;
  doc.to_bson(exclude_none, current.get());
  const bson_t *saved = doc.saved_state();
  Bson empty;
  if (!saved || !same_id(saved, current.get())) saved = empty.get();  // a new document: every field
  std::string bad_key;
  const Outcome outcome =
      diff(saved, current.get(), update, doc.model()->use_revision() ? kRevisionField : nullptr, &bad_key);
  if (outcome == Outcome::replace_needed) {
    fail(Code::invalid_argument, "field '" + bad_key +
                                     "' changed, and an update cannot name it (it contains '.' or starts with '$'): "
                                     "a save writes the whole document");
  }
  return outcome == Outcome::update;
}

bool document_is_changed(const Document &doc) noexcept {
  try {
    Bson current;
    doc.to_bson(false, current.get());
    const bson_t *saved = doc.saved_state();
    if (!saved || !same_id(saved, current.get())) return true;
    Bson update;
    return diff(saved, current.get(), update.get(), doc.model()->use_revision() ? kRevisionField : nullptr) !=
           Outcome::unchanged;
  } catch (...) {
    return true;  // a save would try to write (and fail)
  }
}

}  // namespace changes
}  // namespace mongo_odm::core
