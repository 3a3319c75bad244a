// quickstart.cpp - the same ODM from C++ through the header-only wrapper <mongo_odm.hpp>.
// Run with the same environment as quickstart.c.
#include <mongo_odm.hpp>

#include <iostream>

int main() {
  try {
    mongo_odm::Library library;  // mongo_odm_init() now, mongo_odm_cleanup() at scope exit
    mongo_odm::connect();        // MONGO_URL, MONGO_USER, MONGO_PASSWORD, MONGO_DB_NAME

    mongo_odm::Model notes("quickstart_notes");
    notes.add_field("title", MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED);

    mongo_odm::Document note(notes);
    note.set("title", "Hello from C++").set("stars", int32_t{5});
    note.save();

    auto loaded = mongo_odm::get(notes, *note.id());
    std::cout << "C++ saved and loaded: " << loaded->to_bson().to_json() << "\n";
    loaded->remove_from_db();
  } catch (const mongo_odm::Error &e) {
    std::cerr << e.code_name() << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
