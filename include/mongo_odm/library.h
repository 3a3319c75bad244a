/*
 * mongo_odm/library.h - library life cycle, version, memory.
 */
#ifndef MONGO_ODM_LIBRARY_H
#define MONGO_ODM_LIBRARY_H

#include <stdbool.h>

#include "error.h"
#include "macros.h"

MONGO_ODM_BEGIN_DECLS

/* Lifetime. The library (and libmongoc under it) has three states in a process:
 *   1. not initialized: nothing started yet;
 *   2. running: after mongo_odm_init() or after the first call that needs the driver (such
 *      calls initialize it implicitly, without taking a reference);
 *   3. shut down: after the mongo_odm_cleanup() that drops the last reference. libmongoc can be
 *      initialized only once per process, so this state is final: mongo_odm_init() fails (it
 *      returns 0; mongo_odm_init_checked() also gives the message), and every call that needs
 *      the driver (connect, client_new, CRUD) fails with MONGO_ODM_ERROR_INTERNAL
 *      "mongo_odm_cleanup() has shut the driver down; it cannot be used again in this process".
 *      Calls that do not need it (models, documents, ids, versions) keep working.
 * So call mongo_odm_init() once at the start of the program and mongo_odm_cleanup() once at
 * its end (or never: the process exit reclaims everything). */

/* Initializes the library (and libmongoc, through mongoc_init()). Reference counted: each
 * successful call must be matched by one mongo_odm_cleanup(). Thread-safe. Calling it is
 * recommended but not required: every entry point that needs the driver initializes it on first
 * use, and a process that never calls mongo_odm_cleanup() only keeps the driver's global state
 * until exit. Returns the new reference count (1 or more), or 0 when the library cannot be
 * initialized because the final mongo_odm_cleanup() already shut it down (state 3 above; no
 * reference is taken). */
MONGO_ODM_API(int) mongo_odm_init(void);

/* mongo_odm_init() that says why it failed: returns the new reference count (1 or more) and
 * sets `error` (may be NULL) to OK, or returns 0 with MONGO_ODM_ERROR_INTERNAL "mongo_odm_cleanup()
 * has shut the driver down; ..." after the final cleanup (no reference taken). Thread-safe.
 * (Since 0.2.) */
MONGO_ODM_API(int) mongo_odm_init_checked(mongo_odm_error_t *error);

/* Drops one reference taken by mongo_odm_init(). The last one closes the connection singleton
 * and calls mongoc_cleanup(): the library is then shut down for the rest of the process (see
 * "Lifetime" above) and no handle may be used after that. Returns the remaining count (0 when
 * the library was not initialized, in which case it does nothing). Thread-safe. */
MONGO_ODM_API(int) mongo_odm_cleanup(void);

/* The runtime version as "MAJOR.MINOR.PATCH" (static storage). */
MONGO_ODM_API(const char *) mongo_odm_get_version(void);

/* The runtime version as MAJOR*10000 + MINOR*100 + PATCH. */
MONGO_ODM_API(unsigned) mongo_odm_version_number(void);

/* True when the runtime library is at least version major.minor.patch. */
MONGO_ODM_API(bool) mongo_odm_check_version(int major, int minor, int patch);

/* Frees a `char *` the library returned. NULL is a no-op. Do not use free() on them: the
 * library and the program may use different allocators. */
MONGO_ODM_API(void) mongo_odm_free(void *ptr);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_LIBRARY_H */
