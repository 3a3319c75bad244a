/*
 * mongo_odm/id.h - document ids: random ObjectIds and deterministic md5 ids.
 *
 * The rules are lightodm's, byte for byte (test vectors: tests/data/id-vectors.json):
 *  - generate_id: a new ObjectId as 24 lowercase hex characters (what str(ObjectId()) gives).
 *  - composite id: md5 hex of the concatenation, without separator, of the values' string
 *    forms. Values are rendered as Python's str() renders them; a C caller passes the strings.
 *  - pair id (generate_id(**kwargs) in Python): md5 hex of "k1=v1&k2=v2..." with the pairs
 *    sorted by key in byte order and '%', '&', '=' escaped as %25, %26, %3D in keys and values.
 * All strings are UTF-8; invalid UTF-8 is MONGO_ODM_ERROR_ENCODING.
 */
#ifndef MONGO_ODM_ID_H
#define MONGO_ODM_ID_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "macros.h"

MONGO_ODM_BEGIN_DECLS

/* Writes a new ObjectId as 24 lowercase hex characters plus NUL into `out`. Thread-safe and
 * fork-safe (libbson's default context). `out` NULL is a no-op. */
MONGO_ODM_API(void) mongo_odm_generate_id(char out[25]);

/* Writes md5(values[0] + values[1] + ...) as 32 lowercase hex characters plus NUL.
 * n_values may be 0 (the md5 of ""). Errors: INVALID_ARGUMENT when `out` is NULL, or `values`
 * is NULL with n_values > 0, or an element is NULL; ENCODING when a value is not UTF-8. */
MONGO_ODM_API(bool) mongo_odm_generate_composite_id(const char *const *values, size_t n_values,
                                                    char out[33], mongo_odm_error_t *error);

/* Writes md5 of the canonical "key=value&..." string of the pairs (sorted by key, escaped) as
 * 32 lowercase hex characters plus NUL. n_pairs must be at least 1 (with no pairs, Python's
 * generate_id() returns a new ObjectId instead; call mongo_odm_generate_id()). Errors:
 * INVALID_ARGUMENT for NULL arrays, NULL elements, n_pairs == 0 or a key given twice;
 * ENCODING when a key or value is not UTF-8. */
MONGO_ODM_API(bool) mongo_odm_generate_id_from_pairs(const char *const *keys, const char *const *values,
                                                     size_t n_pairs, char out[33],
                                                     mongo_odm_error_t *error);

/* mongo_odm_generate_composite_id for values that may hold NUL bytes: value i is the
 * lengths[i] bytes at values[i] (a NUL among them is hashed like any other byte, as Python's
 * str does). `lengths` NULL means every value ends at its NUL. Same errors. */
MONGO_ODM_API(bool) mongo_odm_generate_composite_id_n(const char *const *values, const size_t *lengths,
                                                      size_t n_values, char out[33],
                                                      mongo_odm_error_t *error);

/* mongo_odm_generate_id_from_pairs for keys and values that may hold NUL bytes: key i is the
 * key_lengths[i] bytes at keys[i], value i the value_lengths[i] bytes at values[i]. Either
 * lengths array may be NULL (those strings end at their NUL). Same errors. */
MONGO_ODM_API(bool) mongo_odm_generate_id_from_pairs_n(const char *const *keys, const size_t *key_lengths,
                                                       const char *const *values,
                                                       const size_t *value_lengths, size_t n_pairs,
                                                       char out[33], mongo_odm_error_t *error);

/* True when `str` is 24 hex characters (either case), i.e. parses as an ObjectId. */
MONGO_ODM_API(bool) mongo_odm_id_is_object_id(const char *str);

MONGO_ODM_END_DECLS

#endif /* MONGO_ODM_ID_H */
