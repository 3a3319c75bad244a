/*
 * mongo_odm/library.h - library life cycle, version, memory.
 */
#ifndef MONGO_ODM_LIBRARY_H
#define MONGO_ODM_LIBRARY_H

#include <stdbool.h>

#include "macros.h"

MONGO_ODM_BEGIN_DECLS

/* Initializes the library (and libmongoc, through mongoc_init()). Reference counted: each call
 * must be matched by one mongo_odm_cleanup(). Thread-safe. Calling it is recommended but not
 * required: every entry point that needs the driver initializes it on first use, and a process
 * that never calls mongo_odm_cleanup() only keeps the driver's global state until exit.
 * Returns the new reference count. */
MONGO_ODM_API(int) mongo_odm_init(void);

/* Drops one reference taken by mongo_odm_init(). The last one closes the connection singleton
 * and calls mongoc_cleanup(); no handle may be used after that. Returns the remaining count
 * (0 when the library was not initialized, in which case it does nothing). */
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
