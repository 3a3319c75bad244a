// mongo_odm/changes.h
#include "../core/bson_util.hpp"
#include "../core/changes.hpp"
#include "capi.hpp"

using mongo_odm::capi::guard;
using mongo_odm::core::Code;
using mongo_odm::core::require;
namespace changes = mongo_odm::core::changes;

static_assert(MONGO_ODM_SAVE_CHANGES == changes::kChanges, "flags drifted");
static_assert(MONGO_ODM_SAVE_REVISION == changes::kRevision, "flags drifted");

namespace {

const char *sent_name(changes::Sent sent) {
  switch (sent) {
    case changes::Sent::update: return "update";
    case changes::Sent::replace: return "replace";
    default: return "nothing";
  }
}

}  // namespace

extern "C" {

bool mongo_odm_diff(const bson_t *saved, const bson_t *current, bson_t *update, bool *changed,
                    mongo_odm_error_t *error) {
  mongo_odm::core::init_out(update);
  if (changed) *changed = false;
  return guard(error, false, [&] {
    require(saved, "saved");
    require(current, "current");
    require(changed, "changed");
    mongo_odm::core::Bson out;
    std::string bad_key;
    const changes::Outcome outcome = changes::diff(saved, current, out.get(), nullptr, &bad_key);
    if (outcome == changes::Outcome::replace_needed) {
      mongo_odm::core::fail(Code::invalid_argument,
                            "field '" + bad_key + "' changed, and no update can name it (it contains '.' or starts "
                                                  "with '$'): write the whole document");
    }
    *changed = outcome == changes::Outcome::update;
    if (update) bson_concat(update, out.get());
    return true;
  });
}

bool mongo_odm_collection_save(mongo_odm_collection_t *collection, const bson_t *document, const bson_t *saved,
                               unsigned flags, bson_t *stored, bson_t *reply, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(stored);
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    require(collection, "collection");
    require(document, "document");
    mongo_odm::core::Bson now;
    const changes::SaveResult result = changes::save(*collection->impl, document, saved, flags, now.get());
    if (stored) bson_concat(stored, now.get());
    if (reply) {
      BSON_APPEND_UTF8(reply, "sent", sent_name(result.sent));
      BSON_APPEND_BOOL(reply, "upserted", result.upserted);
      if (!result.revision.empty()) BSON_APPEND_UTF8(reply, "revision", result.revision.c_str());
    }
    return true;
  });
}

bool mongo_odm_model_set_use_state_management(mongo_odm_model_t *model, bool enabled, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    require(model, "model");
    unwrap(model)->set_use_state_management(enabled);
    return true;
  });
}

bool mongo_odm_model_use_state_management(const mongo_odm_model_t *model) {
  return model && unwrap(model)->use_state_management();
}

bool mongo_odm_model_set_use_revision(mongo_odm_model_t *model, bool enabled, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    require(model, "model");
    unwrap(model)->set_use_revision(enabled);
    return true;
  });
}

bool mongo_odm_model_use_revision(const mongo_odm_model_t *model) { return model && unwrap(model)->use_revision(); }

const bson_t *mongo_odm_doc_saved_state(const mongo_odm_doc_t *doc) { return doc ? unwrap(doc)->saved_state() : nullptr; }

bool mongo_odm_doc_set_saved_state(mongo_odm_doc_t *doc, const bson_t *saved, mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    require(doc, "doc");
    if (!saved) {
      unwrap(doc)->set_saved_state(nullptr);
      return true;
    }
    if (!bson_validate(saved, BSON_VALIDATE_NONE, nullptr)) {
      mongo_odm::core::fail(Code::encoding, "saved state is not valid BSON");
    }
    unwrap(doc)->set_saved_state(std::shared_ptr<const bson_t>(bson_copy(saved), bson_destroy));
    return true;
  });
}

bool mongo_odm_doc_get_changes(const mongo_odm_doc_t *doc, bool exclude_none, bson_t *update, bool *changed,
                               mongo_odm_error_t *error) {
  mongo_odm::core::init_out(update);
  if (changed) *changed = false;
  return guard(error, false, [&] {
    require(doc, "doc");
    require(changed, "changed");
    mongo_odm::core::Bson out;
    *changed = changes::document_changes(*unwrap(doc), exclude_none, out.get());
    if (update) bson_concat(update, out.get());
    return true;
  });
}

bool mongo_odm_doc_is_changed(const mongo_odm_doc_t *doc) {
  return doc && changes::document_is_changed(*unwrap(doc));
}

}  // extern "C"
