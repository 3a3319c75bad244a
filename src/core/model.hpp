// A model: collection name, composite key, declared fields, optional own collection.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string_view>
#include <unordered_map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mongo_odm::core {

class Collection;

// Mirrors mongo_odm_field_type_t (checked in src/capi/model.cpp).
enum class FieldType : int {
  any = 0,
  utf8,
  int32,
  int64,
  dbl,
  boolean,
  datetime,
  oid,
  document,
  array,
  binary,
  decimal128,
};
constexpr int kFieldTypeCount = 12;

constexpr unsigned kFieldRequired = 1u << 0;
constexpr unsigned kFieldNullable = 1u << 1;

struct Field {
  std::string name;
  FieldType type;
  bool required;
  bool nullable;
};

const char *field_type_name(FieldType type);
const char *bson_type_name(bson_type_t type);

class Model {
 public:
  // `collection_name` may be NULL (no database operations); otherwise it must be valid.
  explicit Model(const char *collection_name);

  const char *collection_name() const { return collection_name_ ? collection_name_->c_str() : nullptr; }

  void set_composite_key(const char *const *fields, size_t n);
  const std::vector<std::string> &composite_key() const { return composite_key_; }
  bool has_composite_key() const { return !composite_key_.empty(); }

  void add_field(const char *name, int type, unsigned flags);
  const std::vector<Field> &fields() const { return fields_; }
  // The declared field called `name`, or nullptr. Called for every element of every loaded
  // document: a length-first linear scan for small models, a hash table for large ones.
  const Field *field(const char *name) const { return field(name, std::strlen(name)); }
  const Field *field(const char *name, size_t len) const;

  // Throws VALIDATION when `value` (of BSON type `type`) does not fit `field`.
  static void check_type(const Field &field, bson_type_t type);

  void set_collection(std::shared_ptr<Collection> collection) { collection_ = std::move(collection); }
  const std::shared_ptr<Collection> &collection() const { return collection_; }

  // --- features of issue 11 (changes.hpp, indexes.hpp); all off/empty by default ----------
  // Settings.use_state_management: saves of loaded documents send only what changed.
  void set_use_state_management(bool on) { use_state_management_ = on; }
  bool use_state_management() const { return use_state_management_; }
  // Settings.use_revision: saves are conditional on the revision the document was loaded with.
  void set_use_revision(bool on) { use_revision_ = on; }
  bool use_revision() const { return use_revision_; }
  // Documents of this model remember the state they were loaded or saved with.
  bool tracks_state() const { return use_state_management_ || use_revision_; }
  // Issue 17: update operators of crud::update_one/update_many are checked against the declared
  // fields (update_check.hpp) unless this is off.
  void set_check_updates(bool on) { check_updates_ = on; }
  bool check_updates() const { return check_updates_; }
  // Settings.indexes: createIndexes entries ({key, name?, options...}), checked when added.
  void add_index(std::shared_ptr<const bson_t> spec) { indexes_.push_back(std::move(spec)); }
  const std::vector<std::shared_ptr<const bson_t>> &indexes() const { return indexes_; }

 private:
  std::optional<std::string> collection_name_;
  std::vector<std::string> composite_key_;
  std::vector<Field> fields_;
  // Views into fields_[i].name; rebuilt after every add_field (the vector may move them).
  std::unordered_map<std::string_view, size_t> index_;
  std::shared_ptr<Collection> collection_;
  bool use_state_management_ = false;
  bool use_revision_ = false;
  bool check_updates_ = true;
  std::vector<std::shared_ptr<const bson_t>> indexes_;
};

}  // namespace mongo_odm::core
