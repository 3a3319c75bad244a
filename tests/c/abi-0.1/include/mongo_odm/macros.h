/*
 * mongo_odm/macros.h - export and linkage macros shared by every public header.
 *
 * Copyright 2026 The mongo_odm authors. Licensed under the Apache License, Version 2.0.
 */
#ifndef MONGO_ODM_MACROS_H
#define MONGO_ODM_MACROS_H

/* MONGO_ODM_API(type): marks a function of the public ABI. Everything else in the shared
 * library has hidden visibility (and a linker version script keeps it so). */
#if defined(_WIN32) || defined(__CYGWIN__)
#if defined(MONGO_ODM_COMPILATION)
#define MONGO_ODM_API(type) __declspec(dllexport) type
#else
#define MONGO_ODM_API(type) __declspec(dllimport) type
#endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#define MONGO_ODM_API(type) __attribute__((visibility("default"))) type
#else
#define MONGO_ODM_API(type) type
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MONGO_ODM_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define MONGO_ODM_WARN_UNUSED
#endif

#ifdef __cplusplus
#define MONGO_ODM_BEGIN_DECLS extern "C" {
#define MONGO_ODM_END_DECLS }
#else
#define MONGO_ODM_BEGIN_DECLS
#define MONGO_ODM_END_DECLS
#endif

#endif /* MONGO_ODM_MACROS_H */
