#include "projection.hpp"

#include <cstring>
#include <string>
#include <unordered_set>

#include "bson_util.hpp"
#include "collection.hpp"
#include "crud.hpp"
#include "error.hpp"
#include "model.hpp"

namespace mongo_odm::core {
namespace projection {

namespace {

// The caller's options with the projection of `as` (a "projection" of the caller's is refused).
void projected_opts(const Model &as, const bson_t *opts, bson_t *out) {
  if (opts) {
    bson_iter_t it;
    if (!bson_iter_init(&it, opts)) fail(Code::invalid_argument, "opts is not valid BSON");
    while (bson_iter_next(&it)) {
      if (std::strcmp(bson_iter_key(&it), "projection") == 0) {
        fail(Code::invalid_argument, "opts must not hold a \"projection\": it is made from the projection model's fields");
      }
      bson_append_iter(out, nullptr, 0, &it);
    }
  }
  bson_t proj;
  BSON_APPEND_DOCUMENT_BEGIN(out, "projection", &proj);
  of_model(as, &proj);
  bson_append_document_end(out, &proj);
}

}  // namespace

void of_model(const Model &model, bson_t *out) {
  std::unordered_set<std::string> seen;
  for (const Field &field : model.fields()) {
    if (seen.insert(field.name).second) BSON_APPEND_INT32(out, field.name.c_str(), 1);
  }
  for (const std::string &name : model.composite_key()) {
    if (seen.insert(name).second) BSON_APPEND_INT32(out, name.c_str(), 1);
  }
  if (seen.empty()) {
    fail(Code::invalid_argument, "the projection model declares no field (mongo_odm_model_add_field): nothing to project");
  }
}

std::unique_ptr<Cursor> find_as(const Model &source, const Model &as, const bson_t *filter, const bson_t *opts) {
  Bson o;
  projected_opts(as, opts, o.get());
  Collection coll = crud::resolve(source);
  return coll.find(filter, o.get(), &as);
}

std::unique_ptr<Document> find_one_as(const Model &source, const Model &as, const bson_t *filter, const bson_t *opts) {
  Bson o;
  projected_opts(as, opts, o.get());
  Collection coll = crud::resolve(source);
  Bson found;
  if (!coll.find_one(filter, o.get(), found.get())) return nullptr;
  auto doc = std::make_unique<Document>(&as, Document::no_id);
  doc->load(found.get(), /*untrusted=*/false);
  return doc;
}

}  // namespace projection
}  // namespace mongo_odm::core
