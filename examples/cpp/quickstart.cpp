// quickstart.cpp - the same ODM from C++ through the header-only wrapper <mongo_odm.hpp>.
// Run with the same environment as quickstart.c.
#include <mongo_odm.hpp>

#include <iostream>
#include <optional>

int main() {
  try {
    mongo_odm::Library library;  // mongo_odm_init() now (throws on failure), mongo_odm_cleanup() at scope exit
    mongo_odm::connect();        // MONGO_URL, MONGO_USER, MONGO_PASSWORD, MONGO_DB_NAME

    mongo_odm::Model notes("quickstart_notes");
    notes.add_field("title", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED);

    mongo_odm::Document note(notes);
    note.set("title", "Hello from C++").set("stars", int32_t{5});
    note.save();

    std::optional<mongo_odm::Document> loaded = mongo_odm::get(notes, note.id().value());
    if (!loaded) {  // nullopt: not found (a failure throws)
      std::cerr << "the note just saved is not found\n";
      return 1;
    }
    std::cout << "C++ saved and loaded: " << loaded->to_bson().to_json() << ", "
              << loaded->get_int32("stars").value_or(-1) << " stars\n";
    for (mongo_odm::DocumentView n : mongo_odm::find(notes)) std::cout << "found: " << n.get_string("title").value_or("?") << "\n";
    if (!loaded->remove_from_db()) {
      std::cerr << "the note was not deleted\n";
      return 1;
    }
  } catch (const std::bad_optional_access &) {
    std::cerr << "the saved note has no id\n";
    return 1;
  } catch (const mongo_odm::Error &e) {
    std::cerr << e.code_name() << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
