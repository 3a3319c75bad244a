// A document of a model: its id and its other fields, kept as one bson_t in insertion order.
//
// Read accessors hand out pointers into the document (values, strings); they stay valid until
// the next modification. A document belongs to one thread at a time (it caches lookups).
#pragma once

#include <bson/bson.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "error.hpp"

namespace mongo_odm::core {

class Model;

class Document {
 public:
  enum NoId { no_id };
  // A new document whose id is a new ObjectId string (lightodm's default_factory).
  explicit Document(const Model *model);
  // A new document without an id.
  Document(const Model *model, NoId);
  Document(const Document &other);
  Document &operator=(const Document &) = delete;
  ~Document();

  // Replaces the whole content with `bson` (validated against the model; `untrusted` adds
  // structure, UTF-8 and key checks for bytes that did not come from the server).
  void load(const bson_t *bson, bool untrusted);

  const Model *model() const { return model_; }

  // --- id ---------------------------------------------------------------------------------
  // The id as a string (see mongo_odm_doc_id()), or nullptr.
  const char *id_string() const;
  // `trusted`: the value comes from the server (already valid BSON/UTF-8): no checks.
  void set_string_id(const char *id, size_t len, bool trusted = false);
  void set_raw_id(const bson_value_t &value, bool trusted = false);
  void clear_id();
  // lightodm's `if not self.id`: false when unset or the empty string.
  bool id_is_truthy() const;
  // Appends "_id": <effective id> to `doc` (composite ids computed; throws when unavailable).
  void append_id(bson_t *doc, const char *key = "_id") const;
  // True when an effective id exists (explicit or composite).
  bool has_effective_id() const;

  // --- fields -----------------------------------------------------------------------------
  void set(const char *key, const bson_value_t &value);
  bool has(const char *key) const;
  bool is_extra(const char *key) const;
  const bson_value_t *get(const char *key) const;
  bool remove(const char *key);
  const bson_t *fields() const { return &fields_; }

  // Appends lightodm's _to_mongo_dict() to `out` (an initialized, empty document).
  void to_bson(bool exclude_none, bson_t *out) const;

  // Appends what save() sends as the replacement of {_id: <id>} to `out`: the fields without
  // _id (an upsert takes _id from the filter's equality, an update keeps it); with
  // exclude_none, the non-null ones. VALIDATION when a required field is missing.
  void append_replacement(bool exclude_none, bson_t *out) const;

  // --- saved state (changes.hpp) ----------------------------------------------------------
  // The whole document ({_id, fields...}) as the database had it when this document was last
  // loaded or saved, or nullptr for a new document. Kept only for models that track state
  // (Model::tracks_state()); shared, never modified, by copies of the document.
  const bson_t *saved_state() const { return saved_.get(); }
  void set_saved_state(std::shared_ptr<const bson_t> saved) { saved_ = std::move(saved); }

 private:
  // Appends the fields (with exclude_none, the non-null ones), without checking them.
  void append_fields(bool exclude_none, bson_t *out) const;
  enum class IdKind { none, string, raw };
  struct LoadPlan;
  class SeenFields;

  // The phases of load() (document.cpp).
  bool load_schemaless(const bson_t *bson);
  LoadPlan plan_load(const bson_t *bson, bool untrusted) const;
  static void check_loaded_key(const char *key, uint32_t key_len);
  void check_required_seen(const SeenFields &seen, size_t required_seen) const;
  void copy_fields(const bson_t *bson, const LoadPlan &plan);
  void remember_loaded(const bson_t *bson, bool untrusted);
  enum class CompositeState { unknown, ok, failed };

  void invalidate();
  // Replaces the fields by `n` bytes of BSON elements (copied in one block).
  void assign_elements(const uint8_t *elements, size_t n);
  void replace_fields(const char *key, const bson_value_t *value);  // nullptr value removes
  void check_required() const;
  void compute_composite() const;
  const bson_value_t *id_value() const;
  // The element called `key` in fields_ (through the key index), or false.
  bool find(const char *key, bson_iter_t *iter) const;
  struct KeyRef {
    uint32_t offset;   // of the element's type byte in fields_' data
    uint32_t key_len;
  };
  // Index into keys_ of `key`, or -1.
  long find_key(const char *key, size_t len) const;
  void ensure_keys() const;
  // fields_ was rebuilt: offsets are stale.
  void fields_changed();

  const Model *model_;
  IdKind id_kind_ = IdKind::none;
  std::string id_str_;    // the string id, or the hex of an ObjectId raw id
  bson_value_t id_raw_{};  // owned copy when id_kind_ == raw
  bson_t fields_;

  // Key index of fields_ (offsets, so appends keep it valid), and the values get() handed out
  // (pointers into fields_, dropped after any modification).
  mutable bool keys_valid_ = false;
  mutable std::vector<KeyRef> keys_;
  mutable std::vector<bson_value_t> values_;
  mutable std::vector<uint8_t> value_filled_;
  mutable CompositeState composite_state_ = CompositeState::unknown;
  mutable std::string composite_id_;
  mutable Code composite_code_ = Code::ok;
  mutable std::string composite_error_;
  mutable bson_value_t id_view_{};
  std::shared_ptr<const bson_t> saved_;  // see saved_state()
};

// Checks a value supplied for storage (UTF-8 of strings, structure of embedded documents).
void check_value(const char *key, const bson_value_t &value);

}  // namespace mongo_odm::core
