// Update operators checked against a model's declared fields before they are sent (issue 17):
// a value that would not fit its field ($set, $setOnInsert, $min, $max), arithmetic on a
// field that is not numeric ($inc, $mul, $bit), array operators on a field that is not an
// array, $currentDate on a field that is not a datetime, and $unset / $rename away of a
// REQUIRED field. The same rules as Document::set and Model::check_type.
#pragma once

#include <bson/bson.h>

namespace mongo_odm::core {

class Model;

// Throws VALIDATION (naming the operator and the field) when `update` would leave a document
// that no longer fits `model`; ENCODING for corrupt BSON.
// Checked: top-level paths of declared fields (a dotted path "a.b" is checked only for its
// first part's $unset/$rename; its value is not). Not checked: undeclared (extra) fields,
// unknown operators (the server judges them), pipeline updates (a BSON array).
void check_update(const Model &model, const bson_t *update);

}  // namespace mongo_odm::core
