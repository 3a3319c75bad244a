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

// fork() copies only the calling thread: a mutex another thread holds at that moment stays
// locked forever in the child. The pthread_atfork handlers installed at init therefore hold
// the library's short-lived mutexes (connection state, log sink, secret registry) across
// fork() and release them in the parent and in the child. Each of those mutexes is a leaf
// (nothing else is locked while it is held), so the order they are taken in cannot deadlock.

}  // namespace library
}  // namespace mongo_odm
