// mongo_odm/index.h
#include <vector>

#include "../core/bson_util.hpp"
#include "../core/crud.hpp"
#include "../core/indexes.hpp"
#include "capi.hpp"

using mongo_odm::capi::guard;
using mongo_odm::core::Code;
using mongo_odm::core::require;
namespace indexes = mongo_odm::core::indexes;

namespace {

std::string name_of(const bson_t *spec) {
  bson_iter_t it;
  return bson_iter_init_find(&it, spec, "name") && BSON_ITER_HOLDS_UTF8(&it) ? bson_iter_utf8(&it, nullptr) : "";
}

}  // namespace

extern "C" {

bool mongo_odm_model_add_index(mongo_odm_model_t *model, const bson_t *keys, const bson_t *opts,
                               mongo_odm_error_t *error) {
  return guard(error, false, [&] {
    require(model, "model");
    require(keys, "keys");
    auto spec = std::shared_ptr<bson_t>(bson_new(), bson_destroy);
    indexes::make_spec(keys, opts, spec.get());
    const std::string name = name_of(spec.get());
    for (const auto &declared : unwrap(model)->indexes()) {
      if (name_of(declared.get()) == name) {
        mongo_odm::core::fail(Code::invalid_argument, "index '" + name + "' is declared twice on the model");
      }
    }
    unwrap(model)->add_index(std::move(spec));
    return true;
  });
}

size_t mongo_odm_model_index_count(const mongo_odm_model_t *model) {
  return model ? unwrap(model)->indexes().size() : 0;
}

const bson_t *mongo_odm_model_index(const mongo_odm_model_t *model, size_t i) {
  if (!model || i >= unwrap(model)->indexes().size()) return nullptr;
  return unwrap(model)->indexes()[i].get();
}

bool mongo_odm_ensure_indexes(const mongo_odm_model_t *model, bson_t *reply, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    require(model, "model");
    const auto &m = *unwrap(model);
    std::vector<const bson_t *> specs;
    for (const auto &spec : m.indexes()) specs.push_back(spec.get());
    mongo_odm::core::Bson out;
    if (specs.empty()) {  // no server call, and no collection needed
      bson_t empty;
      BSON_APPEND_ARRAY_BEGIN(out.get(), "created", &empty);
      bson_append_array_end(out.get(), &empty);
      BSON_APPEND_ARRAY_BEGIN(out.get(), "existing", &empty);
      bson_append_array_end(out.get(), &empty);
    } else {
      try {
        indexes::ensure(mongo_odm::core::crud::resolve(m), specs.data(), specs.size(), out.get());
      } catch (...) {
        if (reply) bson_concat(reply, out.get());
        throw;
      }
    }
    if (reply) bson_concat(reply, out.get());
    return true;
  });
}

bool mongo_odm_collection_ensure_indexes(mongo_odm_collection_t *collection, const bson_t *const *specs,
                                         size_t n_indexes, bson_t *reply, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    require(collection, "collection");
    if (n_indexes > 0) require(specs, "indexes");
    mongo_odm::core::Bson out;
    try {
      indexes::ensure(*collection->impl, specs, n_indexes, out.get());
    } catch (...) {
      if (reply) bson_concat(reply, out.get());
      throw;
    }
    if (reply) bson_concat(reply, out.get());
    return true;
  });
}

bool mongo_odm_collection_list_indexes(mongo_odm_collection_t *collection, bson_t *reply, mongo_odm_error_t *error) {
  mongo_odm::core::init_out(reply);
  return guard(error, false, [&] {
    require(collection, "collection");
    require(reply, "reply");
    indexes::list(*collection->impl, reply);
    return true;
  });
}

}  // extern "C"
