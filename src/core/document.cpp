#include "document.hpp"

#include <cstring>
#include <memory>

#include "bson_util.hpp"
#include "ids.hpp"
#include "model.hpp"
#include "names.hpp"

namespace mongo_odm::core {

namespace {

bool is_underscore_id(const char *key) { return key[0] == '_' && std::strcmp(key, "_id") == 0; }

// The [begin, end) bytes a value points to, for types that point into a buffer.
bool value_span(const bson_value_t &v, const uint8_t **begin, size_t *len) {
  switch (v.value_type) {
    case BSON_TYPE_UTF8:
      *begin = reinterpret_cast<const uint8_t *>(v.value.v_utf8.str);
      *len = v.value.v_utf8.len;
      return true;
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY:
      *begin = v.value.v_doc.data;
      *len = v.value.v_doc.data_len;
      return true;
    case BSON_TYPE_BINARY:
      *begin = v.value.v_binary.data;
      *len = v.value.v_binary.data_len;
      return true;
    case BSON_TYPE_CODE:
      *begin = reinterpret_cast<const uint8_t *>(v.value.v_code.code);
      *len = v.value.v_code.code_len;
      return true;
    case BSON_TYPE_SYMBOL:
      *begin = reinterpret_cast<const uint8_t *>(v.value.v_symbol.symbol);
      *len = v.value.v_symbol.len;
      return true;
    case BSON_TYPE_REGEX:
      *begin = reinterpret_cast<const uint8_t *>(v.value.v_regex.regex);
      *len = std::strlen(v.value.v_regex.regex);
      return true;
    case BSON_TYPE_CODEWSCOPE:
      *begin = reinterpret_cast<const uint8_t *>(v.value.v_codewscope.code);
      *len = v.value.v_codewscope.code_len;
      return true;
    case BSON_TYPE_DBPOINTER:
      *begin = reinterpret_cast<const uint8_t *>(v.value.v_dbpointer.collection);
      *len = v.value.v_dbpointer.collection_len;
      return true;
    default:
      return false;
  }
}

// The BSON types libbson can append (a case per type: a table).
bool known_type(bson_type_t t) {
  switch (t) {
    case BSON_TYPE_DOUBLE: case BSON_TYPE_UTF8: case BSON_TYPE_DOCUMENT: case BSON_TYPE_ARRAY:
    case BSON_TYPE_BINARY: case BSON_TYPE_UNDEFINED: case BSON_TYPE_OID: case BSON_TYPE_BOOL:
    case BSON_TYPE_DATE_TIME: case BSON_TYPE_NULL: case BSON_TYPE_REGEX: case BSON_TYPE_DBPOINTER:
    case BSON_TYPE_CODE: case BSON_TYPE_SYMBOL: case BSON_TYPE_CODEWSCOPE: case BSON_TYPE_INT32:
    case BSON_TYPE_TIMESTAMP: case BSON_TYPE_INT64: case BSON_TYPE_DECIMAL128: case BSON_TYPE_MAXKEY:
    case BSON_TYPE_MINKEY:
      return true;
    default:
      return false;
  }
}

void check_utf8_part(const char *key, const char *text, size_t len, const char *what) {
  if (!text || !valid_utf8(text, len, /*allow_nul=*/true)) {
    fail(Code::encoding, std::string("value of '") + key + "': " + what + " is not valid UTF-8");
  }
}

// Bytes handed in as an embedded document (or a code scope): framed, valid BSON, UTF-8.
void check_embedded(const char *key, const uint8_t *data, uint32_t len, const char *what) {
  bson_t view;
  if (!data || !bson_init_static(&view, data, len)) {
    fail(Code::encoding, std::string("value of '") + key + "'" + what + " is not a valid BSON document");
  }
  bson_error_t error;
  if (!bson_validate_with_error(&view, BSON_VALIDATE_NONE, &error)) {
    fail(Code::encoding, std::string("value of '") + key + "'" + what + ": " + error.message);
  }
  check_utf8_deep(&view, (std::string("value of '") + key + "'" + what).c_str());
}

// The NULL pointers a caller's bson_value_t may hold where libbson would read through them.
void check_pointers(const char *key, const bson_value_t &v) {
  const auto &u = v.value;
  const char *missing = nullptr;
  switch (v.value_type) {
    case BSON_TYPE_DBPOINTER:
      if (!u.v_dbpointer.collection) missing = "DBPointer collection is NULL";
      break;
    case BSON_TYPE_CODEWSCOPE:
      if (!u.v_codewscope.scope_data) missing = "code scope is NULL";
      break;
    case BSON_TYPE_REGEX:
      if (!u.v_regex.regex || !u.v_regex.options) missing = "regex pattern or options is NULL";
      break;
    case BSON_TYPE_BINARY:
      if (!u.v_binary.data && u.v_binary.data_len) missing = "binary data is NULL";
      break;
    default:
      break;
  }
  if (missing) fail(Code::invalid_argument, std::string("value of '") + key + "': " + missing);
}

}  // namespace

void check_value(const char *key, const bson_value_t &v) {
  if (!known_type(v.value_type)) {
    fail(Code::invalid_argument, std::string("value of '") + key + "' has an unknown BSON type " +
                                     std::to_string(static_cast<int>(v.value_type)));
  }
  check_pointers(key, v);
  // bson_append_value() writes code, DBPointer collections, code-with-scope code and regexes as
  // C strings (up to the NUL, whatever a length field says): those bytes are checked.
  TextPart parts[2];
  const int n = text_parts(v, /*c_strings=*/true, parts);
  for (int i = 0; i < n; ++i) check_utf8_part(key, parts[i].text, parts[i].len, parts[i].what);
  if (v.value_type == BSON_TYPE_CODEWSCOPE) {
    check_embedded(key, v.value.v_codewscope.scope_data, v.value.v_codewscope.scope_len, " (code scope)");
  } else if (v.value_type == BSON_TYPE_DOCUMENT || v.value_type == BSON_TYPE_ARRAY) {
    check_embedded(key, v.value.v_doc.data, v.value.v_doc.data_len, "");
  }
}

Document::Document(const Model *model) : model_(model) {
  bson_init(&fields_);
  id_kind_ = IdKind::string;
  id_str_ = ids::new_object_id();
}

Document::Document(const Model *model, NoId) : model_(model) { bson_init(&fields_); }

Document::Document(const Document &other)
    : model_(other.model_), id_kind_(other.id_kind_), id_str_(other.id_str_), saved_(other.saved_) {
  if (id_kind_ == IdKind::raw) bson_value_copy(&other.id_raw_, &id_raw_);
  bson_copy_to(&other.fields_, &fields_);
}

Document::~Document() {
  if (id_kind_ == IdKind::raw) bson_value_destroy(&id_raw_);
  bson_destroy(&fields_);
}

void Document::invalidate() {
  value_filled_.clear();
  composite_state_ = CompositeState::unknown;
}

void Document::fields_changed() {
  keys_valid_ = false;
  invalidate();
}

void Document::ensure_keys() const {
  if (keys_valid_) return;
  keys_.clear();
  // One allocation for a model's fields (not log2(n) as set() appends them), made only when the
  // index is first needed: a document that is loaded and read whole never builds it.
  keys_.reserve(model_->fields().size() + 4);
  bson_iter_t iter;
  bson_iter_init(&iter, &fields_);
  while (bson_iter_next(&iter)) keys_.push_back(KeyRef{iter.off, bson_iter_key_len(&iter)});
  keys_valid_ = true;
}

long Document::find_key(const char *key, size_t len) const {
  ensure_keys();
  const uint8_t *data = bson_get_data(&fields_);
  for (size_t i = 0; i < keys_.size(); ++i) {
    const KeyRef &k = keys_[i];
    if (k.key_len == len && std::memcmp(data + k.offset + 1, key, len) == 0) return static_cast<long>(i);
  }
  return -1;
}

// --- id --------------------------------------------------------------------------------------

void Document::clear_id() {
  if (id_kind_ == IdKind::raw) bson_value_destroy(&id_raw_);
  id_kind_ = IdKind::none;
  id_str_.clear();
  invalidate();
}

void Document::set_string_id(const char *id, size_t len, bool trusted) {
  // (a bson_value_t from the caller may hold a NULL string: refuse it as for other values)
  if (!trusted && (!id || !valid_utf8(id, len))) fail(Code::encoding, "id is not valid UTF-8");
  const bool aliases = id >= id_str_.data() && id < id_str_.data() + id_str_.size();
  if (aliases) {
    std::string fresh(id, len);  // `id` points into our own id: copy before clearing
    clear_id();
    id_str_ = std::move(fresh);
  } else {
    clear_id();
    id_str_.assign(id, len);  // reuses the capacity of the previous id (cursor documents)
  }
  id_kind_ = IdKind::string;
}

void Document::set_raw_id(const bson_value_t &value, bool trusted) {
  if (value.value_type == BSON_TYPE_UTF8) {
    set_string_id(value.value.v_utf8.str, value.value.v_utf8.len, trusted);
    return;
  }
  if (value.value_type == BSON_TYPE_NULL) {
    // lightodm's id=None: no id (save raises "Document ID is required", delete returns
    // False), not an id whose value is null that save would upsert as {_id: null}.
    clear_id();
    return;
  }
  if (!trusted) check_value("_id", value);
  bson_value_t copy;
  bson_value_copy(&value, &copy);  // before clear_id(): `value` may point into our own id
  clear_id();
  id_kind_ = IdKind::raw;
  id_raw_ = copy;
  if (value.value_type == BSON_TYPE_OID) {
    char hex[25];
    bson_oid_to_string(&id_raw_.value.v_oid, hex);
    id_str_.assign(hex, 24);
  }
}

void Document::compute_composite() const {
  if (composite_state_ != CompositeState::unknown) return;
  std::string joined;
  for (const std::string &name : model_->composite_key()) {
    bson_iter_t iter;
    const bool present = find(name.c_str(), &iter);
    if (!present && !model_->field(name.c_str())) {
      composite_state_ = CompositeState::failed;
      composite_code_ = Code::validation;
      composite_error_ = "Composite key field '" + name + "' not found in model";
      return;
    }
    if (!present || BSON_ITER_HOLDS_NULL(&iter)) {
      composite_state_ = CompositeState::failed;
      composite_code_ = Code::validation;
      composite_error_ = "Composite key field '" + name + "' is None. All fields must have values.";
      return;
    }
    if (!ids::append_python_str(*bson_iter_value(&iter), joined)) {
      composite_state_ = CompositeState::failed;
      composite_code_ = Code::encoding;
      composite_error_ = "Composite key field '" + name + "' holds a " + bson_type_name(bson_iter_type(&iter)) +
                         ", which has no string form for the id";
      return;
    }
  }
  composite_id_ = ids::md5_hex(joined);
  composite_state_ = CompositeState::ok;
}

const char *Document::id_string() const {
  if (model_->has_composite_key()) {
    compute_composite();
    return composite_state_ == CompositeState::ok ? composite_id_.c_str() : nullptr;
  }
  switch (id_kind_) {
    case IdKind::string:
      return id_str_.c_str();
    case IdKind::raw:
      return id_raw_.value_type == BSON_TYPE_OID ? id_str_.c_str() : nullptr;
    default:
      return nullptr;
  }
}

bool Document::has_effective_id() const {
  if (model_->has_composite_key()) {
    compute_composite();
    return composite_state_ == CompositeState::ok;
  }
  return id_kind_ != IdKind::none;
}

bool Document::id_is_truthy() const {
  if (model_->has_composite_key()) return has_effective_id();
  switch (id_kind_) {
    case IdKind::string: return !id_str_.empty();
    case IdKind::raw: return true;
    default: return false;
  }
}

const bson_value_t *Document::id_value() const {
  const std::string *text = nullptr;
  if (model_->has_composite_key()) {
    compute_composite();
    if (composite_state_ != CompositeState::ok) return nullptr;
    text = &composite_id_;
  } else if (id_kind_ == IdKind::raw) {
    return &id_raw_;
  } else if (id_kind_ == IdKind::string) {
    text = &id_str_;
  } else {
    return nullptr;
  }
  id_view_.value_type = BSON_TYPE_UTF8;
  id_view_.value.v_utf8.str = const_cast<char *>(text->c_str());
  id_view_.value.v_utf8.len = static_cast<uint32_t>(text->size());
  return &id_view_;
}

void Document::append_id(bson_t *doc, const char *key) const {
  if (model_->has_composite_key()) {
    compute_composite();
    if (composite_state_ != CompositeState::ok) fail(composite_code_, composite_error_);
    bson_append_utf8(doc, key, -1, composite_id_.data(), static_cast<int>(composite_id_.size()));
    return;
  }
  switch (id_kind_) {
    case IdKind::string:
      bson_append_utf8(doc, key, -1, id_str_.data(), static_cast<int>(id_str_.size()));
      return;
    case IdKind::raw:
      bson_append_value(doc, key, -1, &id_raw_);
      return;
    default:
      fail(Code::missing_id, "Document ID is required");
  }
}

// --- fields ----------------------------------------------------------------------------------

bool Document::find(const char *key, bson_iter_t *iter) const {
  const long i = find_key(key, std::strlen(key));
  if (i < 0) return false;
  return bson_iter_init_from_data_at_offset(iter, bson_get_data(&fields_), fields_.len, keys_[i].offset,
                                            keys_[i].key_len);
}

void Document::replace_fields(const char *key, const bson_value_t *value) {
  bson_t rebuilt = BSON_INITIALIZER;
  bson_iter_t iter;
  bson_iter_init(&iter, &fields_);
  while (bson_iter_next(&iter)) {
    if (std::strcmp(bson_iter_key(&iter), key) == 0) {
      if (value) bson_append_value(&rebuilt, key, -1, value);
    } else {
      bson_append_iter(&rebuilt, nullptr, 0, &iter);
    }
  }
  bson_destroy(&fields_);
  bson_steal(&fields_, &rebuilt);
  fields_changed();
}

void Document::set(const char *key, const bson_value_t &value) {
  if (!key) fail(Code::invalid_argument, "key is NULL");
  const size_t key_len = std::strlen(key);
  check_key(key, key_len);
  if (is_id_key(key, key_len)) {
    set_raw_id(value);
    return;
  }
  check_value(key, value);
  if (const Field *field = model_->field(key, key_len)) Model::check_type(*field, value.value_type);

  // The value may point into this document's own buffer (set(b, get(a))), which appending
  // can reallocate: copy such a value first.
  const uint8_t *begin;
  size_t len;
  bson_value_t copy;
  const bson_value_t *source = &value;
  bool copied = false;
  if (value_span(value, &begin, &len)) {
    const uint8_t *buf = bson_get_data(&fields_);
    if (begin >= buf && begin < buf + fields_.len) {
      bson_value_copy(&value, &copy);
      source = &copy;
      copied = true;
    }
  }
  if (find_key(key, key_len) >= 0) {
    replace_fields(key, source);
  } else {
    const uint32_t offset = fields_.len - 1;  // the new element replaces the trailing NUL
    if (!bson_append_value(&fields_, key, static_cast<int>(key_len), source)) {
      if (copied) bson_value_destroy(&copy);
      fail(Code::encoding, std::string("document is too large to add '") + key + "'");
    }
    keys_.push_back(KeyRef{offset, static_cast<uint32_t>(key_len)});  // keys_ was made valid by find_key
  }
  if (copied) bson_value_destroy(&copy);
  invalidate();
}

bool Document::has(const char *key) const {
  if (is_id_key(key)) return id_value() != nullptr;
  return find_key(key, std::strlen(key)) >= 0;
}

bool Document::is_extra(const char *key) const {
  if (is_id_key(key)) return false;
  return find_key(key, std::strlen(key)) >= 0 && model_->field(key) == nullptr;
}

const bson_value_t *Document::get(const char *key) const {
  if (is_id_key(key)) return id_value();
  const long i = find_key(key, std::strlen(key));
  if (i < 0) return nullptr;
  if (value_filled_.size() != keys_.size()) {
    // Sized once per version of the document, so every pointer handed out stays valid until
    // the next modification (which clears value_filled_).
    value_filled_.assign(keys_.size(), 0);
    values_.resize(keys_.size());
  }
  if (!value_filled_[static_cast<size_t>(i)]) {
    bson_iter_t iter;
    bson_iter_init_from_data_at_offset(&iter, bson_get_data(&fields_), fields_.len, keys_[i].offset, keys_[i].key_len);
    values_[static_cast<size_t>(i)] = *bson_iter_value(&iter);
    value_filled_[static_cast<size_t>(i)] = 1;
  }
  return &values_[static_cast<size_t>(i)];
}

bool Document::remove(const char *key) {
  if (is_id_key(key)) {
    const bool had = id_kind_ != IdKind::none;
    clear_id();
    return had;
  }
  if (find_key(key, std::strlen(key)) < 0) return false;
  replace_fields(key, nullptr);
  return true;
}

void Document::check_required() const {
  for (const Field &field : model_->fields()) {
    if (!field.required) continue;
    if (find_key(field.name.data(), field.name.size()) < 0) {
      fail(Code::validation, "field '" + field.name + "' is required");
    }
  }
}

void Document::append_replacement(bool exclude_none, bson_t *out) const {
  check_required();
  append_fields(exclude_none, out);
}

void Document::append_fields(bool exclude_none, bson_t *out) const {
  if (!exclude_none) {
    bson_concat(out, &fields_);
    return;
  }
  bson_iter_t iter;
  bson_iter_init(&iter, &fields_);
  while (bson_iter_next(&iter)) {
    if (!BSON_ITER_HOLDS_NULL(&iter)) bson_append_iter(out, nullptr, 0, &iter);
  }
}

void Document::to_bson(bool exclude_none, bson_t *out) const {
  check_required();
  if (model_->has_composite_key() || id_kind_ != IdKind::none) {
    append_id(out);
  } else if (!exclude_none) {
    BSON_APPEND_NULL(out, "_id");
  }
  append_fields(exclude_none, out);
}

void Document::assign_elements(const uint8_t *elements, size_t n) {
  bson_reinit(&fields_);  // keeps an allocated buffer for the next document of a cursor
  fields_changed();
  if (n == 0) return;
  // bson_concat() copies a document's elements in one memcpy; give it a view of them.
  const size_t total = n + 5;
  uint8_t stack_buf[2048];
  std::unique_ptr<uint8_t[]> heap;
  uint8_t *buf = stack_buf;
  if (total > sizeof stack_buf) {
    heap.reset(new uint8_t[total]);
    buf = heap.get();
  }
  const uint32_t le = BSON_UINT32_TO_LE(static_cast<uint32_t>(total));
  std::memcpy(buf, &le, 4);
  std::memcpy(buf + 4, elements, n);
  buf[total - 1] = 0;
  bson_t view;
  if (!bson_init_static(&view, buf, total) || !bson_concat(&fields_, &view)) {
    fail(Code::encoding, "document is too large");
  }
}

// Which declared fields a load has seen (by index), without a heap allocation for the common
// model sizes.
class Document::SeenFields {
 public:
  explicit SeenFields(size_t n) {
    if (n > kInline) heap_.assign(n, 0);
  }
  // True the first time `i` is marked.
  bool mark(size_t i) {
    if (!heap_.empty()) {
      if (heap_[i]) return false;
      heap_[i] = 1;
      return true;
    }
    const uint64_t bit = uint64_t{1} << (i % 64);
    if (inline_[i / 64] & bit) return false;
    inline_[i / 64] |= bit;
    return true;
  }
  bool seen(size_t i) const { return heap_.empty() ? (inline_[i / 64] >> (i % 64)) & 1 : heap_[i] != 0; }

 private:
  static constexpr size_t kInline = 256;
  uint64_t inline_[kInline / 64] = {};
  std::vector<char> heap_;
};

// load() in phases: a fast path for the common case, one pass that finds the id and checks
// every element (LoadPlan), then the copy of the fields.
struct Document::LoadPlan {
  bool by_underscore_id = false;  // "_id" names the id; without one, the first "id" does
  bool have_id = false;
  bson_value_t id_value{};        // borrowed from the loaded document
  bool block = true;              // the id elements all lead: the fields are one block of bytes
  uint32_t block_start = 4;
};

void Document::load(const bson_t *bson, bool untrusted) {
  if (untrusted) check_wellformed(bson, "document");
  clear_id();
  invalidate();
  saved_.reset();
  if (!untrusted && model_->fields().empty() && load_schemaless(bson)) {
    remember_loaded(bson, untrusted);
    return;
  }
  const LoadPlan plan = plan_load(bson, untrusted);
  if (plan.have_id) set_raw_id(plan.id_value, /*trusted=*/!untrusted);
  copy_fields(bson, plan);
  invalidate();
  remember_loaded(bson, untrusted);
}

// A document read from the server (trusted) of a model that tracks state remembers it as its
// saved state (changes.hpp); bytes from elsewhere make a new document.
void Document::remember_loaded(const bson_t *bson, bool untrusted) {
  if (untrusted || !model_->tracks_state()) return;
  saved_ = std::shared_ptr<const bson_t>(bson_copy(bson), bson_destroy);
}

// What servers return to schema-less models: "_id" first, nothing to check. The id is taken
// from the first element and the rest is copied in one block. False when "_id" is not first.
bool Document::load_schemaless(const bson_t *bson) {
  bson_iter_t iter;
  if (!bson_iter_init(&iter, bson)) fail(Code::encoding, "document is not valid BSON");
  if (!bson_iter_next(&iter) || bson_iter_key_len(&iter) != 3 || !is_underscore_id(bson_iter_key(&iter))) {
    return false;
  }
  set_raw_id(*bson_iter_value(&iter), /*trusted=*/true);
  assign_elements(bson_get_data(bson) + iter.next_off, bson->len - iter.next_off - 1);
  return true;
}

// The pass over the elements: where the id is, the keys of untrusted input, the declared
// fields' types, and that every required field is there. (One pass on purpose: a document is
// walked once per load; each branch is one of those checks.)
Document::LoadPlan Document::plan_load(const bson_t *bson, bool untrusted) const {
  bson_iter_t iter;
  if (!bson_iter_init(&iter, bson)) fail(Code::encoding, "document is not valid BSON");
  LoadPlan plan;
  bson_iter_t probe;
  plan.by_underscore_id = bson_iter_init_find(&probe, bson, "_id");
  const std::vector<Field> &declared = model_->fields();
  SeenFields seen(declared.size());
  size_t required_seen = 0;
  bool leading = true;
  while (bson_iter_next(&iter)) {
    const char *key = bson_iter_key(&iter);
    const uint32_t key_len = bson_iter_key_len(&iter);
    const bool id_element = plan.by_underscore_id ? (key_len == 3 && is_underscore_id(key))
                                                  : (key_len == 2 && key[0] == 'i' && key[1] == 'd');
    if (id_element) {
      if (!plan.have_id) {
        plan.id_value = *bson_iter_value(&iter);  // a later duplicate is dropped
        plan.have_id = true;
      }
      if (leading) {
        plan.block_start = iter.next_off;
      } else {
        plan.block = false;
      }
      continue;
    }
    leading = false;
    if (untrusted) check_loaded_key(key, key_len);
    if (const Field *field = declared.empty() ? nullptr : model_->field(key, key_len)) {
      Model::check_type(*field, bson_iter_type(&iter));
      if (seen.mark(static_cast<size_t>(field - declared.data())) && field->required) ++required_seen;
    }
  }
  if (iter.err_off) fail(Code::encoding, "document is not valid BSON (corrupt at byte " + std::to_string(iter.err_off) + ")");
  check_required_seen(seen, required_seen);
  return plan;
}

// A top-level key of a document the library did not get from a server.
void Document::check_loaded_key(const char *key, uint32_t key_len) {
  if (key_len == 0) fail(Code::encoding, "document has an empty key");
  if (key[0] == '$') fail(Code::encoding, std::string("key '") + key + "' must not start with '$'");
}

void Document::check_required_seen(const SeenFields &seen, size_t required_seen) const {
  const std::vector<Field> &declared = model_->fields();
  size_t required_total = 0;
  for (const Field &f : declared) required_total += f.required ? 1 : 0;
  if (required_seen == required_total) return;
  for (size_t i = 0; i < declared.size(); ++i) {
    if (declared[i].required && !seen.seen(i)) fail(Code::validation, "field '" + declared[i].name + "' is required");
  }
}

// The fields: one block of bytes when the id elements all lead, else element by element.
void Document::copy_fields(const bson_t *bson, const LoadPlan &plan) {
  if (plan.block) {
    assign_elements(bson_get_data(bson) + plan.block_start, bson->len - plan.block_start - 1);
    return;
  }
  bson_reinit(&fields_);
  fields_changed();
  bson_iter_t iter;
  bson_iter_init(&iter, bson);
  while (bson_iter_next(&iter)) {
    const char *key = bson_iter_key(&iter);
    if (plan.by_underscore_id ? is_underscore_id(key) : std::strcmp(key, "id") == 0) continue;
    if (!bson_append_iter(&fields_, nullptr, 0, &iter)) fail(Code::encoding, "document is too large");
  }
}

}  // namespace mongo_odm::core
