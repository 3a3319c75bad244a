// Library life cycle: reference-counted init/cleanup around mongoc_init()/mongoc_cleanup().
#pragma once

namespace mongo_odm {
namespace library {

int init();     // takes a reference; returns the new count
int cleanup();  // drops one; the last closes the default connection and cleans libmongoc up

// True once the last cleanup() shut libmongoc down (the driver cannot be used again).
bool is_shut_down();

// Makes sure libmongoc is initialized without taking a reference (implicit use).
void ensure_initialized();

// Incremented in the child after every fork(); pools compare it to notice they were inherited.
unsigned fork_generation();

}  // namespace library
}  // namespace mongo_odm
