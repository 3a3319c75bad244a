// The single log sink of the library and of libmongoc (installed as mongoc's log handler).
#pragma once

#include <mongo_odm/log.h>

#include <string>

namespace mongo_odm::core {
namespace log {

enum Level : int { off = -1, error = 0, warning = 1, info = 2, debug = 3 };

// The C API's handler type itself: calling a C function through a pointer of another type
// (say, int instead of mongo_odm_log_level_t) is undefined behaviour, even when the ABI agrees.
using Handler = mongo_odm_log_func_t;

void set_level(int level);
int level();
void set_handler(Handler handler, void *user_data);
const char *level_name(int level);

// Reads MONGO_ODM_LOG once and installs the mongoc handler. Called by library init.
void install();

// Delivers a message from the library itself (domain "mongo_odm").
void write(int level, const std::string &message);

inline bool enabled(int lvl) { return lvl <= level(); }

// Hold the sink mutex across fork() (library.cpp's pthread_atfork handlers).
void lock_for_fork();
void unlock_after_fork();

}  // namespace log
}  // namespace mongo_odm::core
