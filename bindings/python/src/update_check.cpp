// mongo_odm._core.check_update: the C core's update check (mongo_odm_model_check_update(),
// src/core/update_check.cpp) for a Python model, whose declared fields the Python layer
// describes as (name, mongo_odm_field_type_t, flags) triples.
#include "common.hpp"

namespace mongo_odm_py {

namespace {

void check_update(const py::list &fields, py::handle update) {
  mongo_odm::Bson u;
  encode_update(update, u.get());
  mongo_odm_error_t error;
  std::unique_ptr<mongo_odm_model_t, void (*)(mongo_odm_model_t *)> model(mongo_odm_model_new(nullptr, &error),
                                                                          mongo_odm_model_destroy);
  if (!model) raise_error(error);
  for (py::handle item : fields) {
    auto triple = item.cast<py::tuple>();
    const std::string name = triple[0].cast<std::string>();
    const int type = triple[1].cast<int>();
    const unsigned flags = triple[2].cast<unsigned>();
    if (!mongo_odm_model_add_field(model.get(), name.c_str(), static_cast<mongo_odm_field_type_t>(type), flags,
                                   &error)) {
      raise_error(error);
    }
  }
  if (!mongo_odm_model_check_update(model.get(), u.get(), &error)) raise_error(error);
}

}  // namespace

void init_update_check(py::module_ &m) {
  m.def("check_update", &check_update, py::arg("fields"), py::arg("update"),
        "Checks update operators against declared fields [(name, type, flags)] as the C core "
        "does before an update (mongo_odm_model_check_update). Raises ValueError naming the "
        "operator and the field.");
}

}  // namespace mongo_odm_py
