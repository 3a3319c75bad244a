/*
 * bench.c - libmongo_odm's model operations against the same work written directly on
 * libmongoc, on one server, alternating the two systems iteration by iteration.
 *
 *   MONGO_URL=... MONGO_USER=... MONGO_PASSWORD=... mongo_odm_bench [--ops N] [--write-ops N]
 *                 [--scan-ops N] [--iterations N] [--stream-docs N] [--many-docs N] [--large-ops N]
 *                 [--cold-threads N] [--cold-iterations N] [--only task,task,...]
 *
 * Tasks: small_create, small_get, small_find_filter, small_update, find_many, insert_many
 * (--many-docs documents), large_create (--large-ops saves), nested_find, cold_pool and
 * cold_pool_3, stream (peak RSS while a cursor reads --stream-docs tweets).
 *
 * cold_pool: each iteration runs this program again in a fresh process (--cold-child odm|raw),
 * which times, with getrusage(RUSAGE_SELF) (every thread), from the connect (odm:
 * mongo_odm_connect(), which pings; raw: mongoc_uri_new + mongoc_client_pool_new and a ping
 * on a popped client) to the end of the last of --cold-threads threads that wait at a barrier
 * and then each get one document by _id (cold_pool; cold_pool_3: three each), so each thread's
 * first call opens and authenticates (SCRAM) a pooled connection of its own.
 *
 * For each task it prints one JSON line per system: median wall seconds, median client CPU
 * (getrusage: user + system, all threads) per op in microseconds, and ops. "odm" is
 * libmongo_odm (model, documents, cursor); "raw" pops a pooled libmongoc client, gets the
 * collection, runs the operation and reads the result, as a hand-written libmongoc program does.
 * Both use the same URI options (the library's defaults).
 */
#include <mongo_odm.h>
#include <mongoc/mongoc.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define MAX_ITER 32

static int g_ops = 10000;       /* gets by _id (cycling over the 100 documents loaded) */
static int g_loaded = 1;        /* documents load_small() put in the collection */
static int g_write_ops = 1000;  /* saves into an emptied collection; updates over this many */
static int g_scan_ops = 1000;   /* filtered reads over this many documents */
static int g_insert_count = 10000; /* documents of the insert_many task */
static int g_iterations = 5;
static int g_stream_docs = 100000;
static int g_cold_threads = 32;
static int g_cold_iterations = -1; /* -1: g_iterations */
static const char *g_only = NULL;  /* comma-separated task names, NULL: all */
static mongo_odm_model_t *g_small_model;
static mongo_odm_model_t *g_tweet_model;
static mongoc_client_pool_t *g_pool;
static const char *g_db_odm = "bench_c_odm";
static const char *g_db_raw = "bench_c_raw";

static void die(const char *what, const mongo_odm_error_t *e) {
  fprintf(stderr, "%s: %s: %s\n", what, e ? mongo_odm_error_code_name(e->code) : "", e ? e->message : "");
  exit(1);
}

static double now_wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double now_cpu(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static long vm_hwm_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  while (f && fgets(line, sizeof line, f)) {
    if (strncmp(line, "VmHWM:", 6) == 0) kib = strtol(line + 6, NULL, 10);
  }
  if (f) fclose(f);
  return kib;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- data: the flat small document (7 strings of 8 characters, 6 integers) ---------------- */

static unsigned long g_rng = 12345;
static unsigned long rnd(void) {
  g_rng = g_rng * 6364136223846793005UL + 1442695040888963407UL;
  return g_rng >> 33;
}
static void word(char *out, int n) {
  static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (int i = 0; i < n; ++i) out[i] = alnum[rnd() % 62];
  out[n] = '\0';
}

typedef struct {
  char s[7][9];
  int32_t n[6];
  char id[25];
} small_t;

static small_t *g_small;

static void make_small(int count) {
  g_small = calloc((size_t)count, sizeof *g_small);
  for (int i = 0; i < count; ++i) {
    for (int k = 0; k < 7; ++k) word(g_small[i].s[k], 8);
    for (int k = 0; k < 6; ++k) g_small[i].n[k] = (int32_t)(rnd() % 100000000);
  }
}

static const char *FIELD[13] = {"field1", "field2",  "field3",  "field4",  "field5", "field6", "field7",
                                "field8", "field9", "field10", "field11", "field12", "field13"};

static void small_to_bson(const small_t *s, const char *id, bson_t *out) {
  BSON_APPEND_UTF8(out, "_id", id);
  for (int k = 0; k < 7; ++k) BSON_APPEND_UTF8(out, FIELD[k], s->s[k]);
  for (int k = 0; k < 6; ++k) BSON_APPEND_INT32(out, FIELD[7 + k], s->n[k]);
}

/* A tweet-like nested document (~1.6 KB). */
static void tweet_to_bson(int i, bson_t *out) {
  char text[80], screen[16], w[40];
  word(text, 60);
  word(screen, 10);
  char id[25];
  mongo_odm_generate_id(id);
  BSON_APPEND_UTF8(out, "_id", id);
  BSON_APPEND_UTF8(out, "text", text);
  BSON_APPEND_INT64(out, "in_reply_to_status_id", 22773233453LL + i);
  BSON_APPEND_NULL(out, "retweet_count");
  BSON_APPEND_UTF8(out, "created_at", "Thu Sep 02 19:38:18 +0000 2010");
  BSON_APPEND_UTF8(out, "source", "web");
  BSON_APPEND_UTF8(out, "in_reply_to_screen_name", screen);
  BSON_APPEND_BOOL(out, "truncated", false);
  bson_t entities, mentions, mention, indices;
  BSON_APPEND_DOCUMENT_BEGIN(out, "entities", &entities);
  BSON_APPEND_ARRAY_BEGIN(&entities, "user_mentions", &mentions);
  BSON_APPEND_DOCUMENT_BEGIN(&mentions, "0", &mention);
  BSON_APPEND_ARRAY_BEGIN(&mention, "indices", &indices);
  BSON_APPEND_INT32(&indices, "0", 0);
  BSON_APPEND_INT32(&indices, "1", 9);
  bson_append_array_end(&mention, &indices);
  BSON_APPEND_UTF8(&mention, "screen_name", screen);
  word(w, 16);
  BSON_APPEND_UTF8(&mention, "name", w);
  BSON_APPEND_INT32(&mention, "id", 41832464);
  bson_append_document_end(&mentions, &mention);
  bson_append_array_end(&entities, &mentions);
  bson_append_document_end(out, &entities);
  bson_t user;
  BSON_APPEND_DOCUMENT_BEGIN(out, "user", &user);
  static const char *ukeys[] = {"profile_sidebar_fill_color", "location", "profile_sidebar_border_color",
                                "profile_image_url", "created_at", "description", "time_zone", "url",
                                "screen_name", "profile_background_color", "lang", "profile_background_image_url",
                                "profile_text_color", "name", "profile_link_color"};
  for (size_t k = 0; k < sizeof ukeys / sizeof ukeys[0]; ++k) {
    word(w, 6 + (int)(rnd() % 30));
    BSON_APPEND_UTF8(&user, ukeys[k], w);
  }
  static const char *ikeys[] = {"friends_count", "favourites_count", "listed_count", "statuses_count",
                                "followers_count", "id", "utc_offset"};
  for (size_t k = 0; k < sizeof ikeys / sizeof ikeys[0]; ++k) BSON_APPEND_INT32(&user, ikeys[k], (int32_t)(rnd() % 5000));
  static const char *bkeys[] = {"verified", "geo_enabled", "protected", "show_all_inline_media",
                                "profile_background_tile", "contributors_enabled", "profile_use_background_image"};
  for (size_t k = 0; k < sizeof bkeys / sizeof bkeys[0]; ++k) BSON_APPEND_BOOL(&user, bkeys[k], rnd() % 2);
  bson_append_document_end(out, &user);
  BSON_APPEND_BOOL(out, "favorited", false);
  BSON_APPEND_INT64(out, "tweet_id", 20000000000LL + i);
}

/* ---- helpers ---------------------------------------------------------------------------- */

static mongoc_collection_t *raw_coll(mongoc_client_t *c, const char *name) {
  return mongoc_client_get_collection(c, g_db_raw, name);
}

static void raw_drop(const char *name) {
  mongoc_client_t *c = mongoc_client_pool_pop(g_pool);
  mongoc_collection_t *coll = raw_coll(c, name);
  mongoc_collection_drop_with_opts(coll, NULL, NULL);
  mongoc_collection_destroy(coll);
  mongoc_client_t *c2 = c;
  mongoc_client_pool_push(g_pool, c2);
  mongo_odm_error_t e;
  mongo_odm_client_t *client = mongo_odm_default_client(&e);
  mongo_odm_collection_t *oc = mongo_odm_collection_new(client, g_db_odm, name, &e);
  mongo_odm_collection_drop(oc, &e);
  mongo_odm_collection_destroy(oc);
}

static void raw_index(const char *name, const char *field) {
  mongo_odm_error_t e;
  mongo_odm_client_t *client = mongo_odm_default_client(&e);
  bson_t *keys = BCON_NEW(field, BCON_INT32(1));
  const char *dbs[2] = {g_db_odm, g_db_raw};
  for (int i = 0; i < 2; ++i) {
    mongo_odm_collection_t *oc = mongo_odm_collection_new(client, dbs[i], name, &e);
    if (!mongo_odm_collection_create_index(oc, keys, NULL, NULL, &e)) die("create_index", &e);
    mongo_odm_collection_destroy(oc);
  }
  bson_destroy(keys);
}

/* What a hand-written program does to save a document: pop a pooled client, replace_one
 * {_id: id} with upsert (`opts`), push the client back. Exits on error. */
static void raw_upsert(const char *collection, const char *id, const bson_t *doc, const bson_t *opts) {
  bson_t filter = BSON_INITIALIZER;
  BSON_APPEND_UTF8(&filter, "_id", id);
  mongoc_client_t *c = mongoc_client_pool_pop(g_pool);
  mongoc_collection_t *coll = raw_coll(c, collection);
  bson_error_t error;
  if (!mongoc_collection_replace_one(coll, &filter, doc, opts, NULL, &error)) {
    fprintf(stderr, "raw replace_one (%s): %s\n", collection, error.message);
    exit(1);
  }
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(g_pool, c);
  bson_destroy(&filter);
}

typedef void (*task_fn)(int iteration);

typedef struct {
  double wall[MAX_ITER], cpu[MAX_ITER];
} samples_t;

static void report(const char *task, const char *system, samples_t *s, int ops) {
  const double wall = median(s->wall, g_iterations);
  const double cpu = median(s->cpu, g_iterations);
  printf("{\"task\": \"%s\", \"system\": \"%s\", \"ops\": %d, \"wall_s\": %.6f, \"cpu_s\": %.6f, "
         "\"ops_per_s\": %.1f, \"cpu_us_per_op\": %.3f}\n",
         task, system, ops, wall, cpu, ops / wall, cpu / ops * 1e6);
  fflush(stdout);
}

/* Whether --only (a comma-separated list) selects the task. */
static bool wanted(const char *task) {
  if (!g_only) return true;
  const size_t n = strlen(task);
  for (const char *p = g_only; (p = strstr(p, task)) != NULL; p += n) {
    if ((p == g_only || p[-1] == ',') && (p[n] == ',' || p[n] == '\0')) return true;
  }
  return false;
}

static void measure(const char *task, int ops, task_fn odm, task_fn raw, void (*prepare)(void)) {
  if (!wanted(task)) return;
  samples_t so, sr;
  for (int it = 0; it <= g_iterations; ++it) {
    for (int which = 0; which < 2; ++which) {
      if (prepare) prepare();
      const double c0 = now_cpu(), w0 = now_wall();
      (which == 0 ? odm : raw)(it);
      const double w1 = now_wall(), c1 = now_cpu();
      if (it > 0) {
        samples_t *s = which == 0 ? &so : &sr;
        s->wall[it - 1] = w1 - w0;
        s->cpu[it - 1] = c1 - c0;
      }
    }
  }
  report(task, "libmongo_odm", &so, ops);
  report(task, "libmongoc", &sr, ops);
}

/* ---- tasks ------------------------------------------------------------------------------ */

static void odm_small_create(int it) {
  mongo_odm_error_t e;
  for (int i = 0; i < g_write_ops; ++i) {
    mongo_odm_doc_t *d = mongo_odm_doc_new(g_small_model);
    for (int k = 0; k < 7; ++k) mongo_odm_doc_set_utf8(d, FIELD[k], g_small[i].s[k], &e);
    for (int k = 0; k < 6; ++k) mongo_odm_doc_set_int32(d, FIELD[7 + k], g_small[i].n[k], &e);
    if (!mongo_odm_doc_save(d, false, &e)) die("save", &e);
    mongo_odm_doc_destroy(d);
  }
  (void)it;
}

static void raw_small_create(int it) {
  bson_t opts = BSON_INITIALIZER;
  BSON_APPEND_BOOL(&opts, "upsert", true);
  for (int i = 0; i < g_write_ops; ++i) {
    char id[25];
    mongo_odm_generate_id(id);
    bson_t doc = BSON_INITIALIZER;
    small_to_bson(&g_small[i], id, &doc);
    raw_upsert("small", id, &doc, &opts);
    bson_destroy(&doc);
  }
  bson_destroy(&opts);
  (void)it;
}

static void odm_small_get(int it) {
  mongo_odm_error_t e;
  for (int i = 0; i < g_ops; ++i) {
    mongo_odm_doc_t *d = mongo_odm_get(g_small_model, g_small[i % g_loaded].id, &e);
    if (!d) die("get", &e);
    mongo_odm_doc_destroy(d);
  }
  (void)it;
}

/* find_one by a filter, keeping a copy of the result (what a program does with it). */
static void raw_find_one(const char *collection, const bson_t *filter) {
  bson_t opts = BSON_INITIALIZER;
  BSON_APPEND_INT32(&opts, "limit", 1);
  BSON_APPEND_BOOL(&opts, "singleBatch", true);
  mongoc_client_t *c = mongoc_client_pool_pop(g_pool);
  mongoc_collection_t *coll = raw_coll(c, collection);
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll, filter, &opts, NULL);
  const bson_t *doc;
  if (!mongoc_cursor_next(cursor, &doc)) {
    fprintf(stderr, "raw find_one found nothing\n");
    exit(1);
  }
  bson_t *copy = bson_copy(doc);
  bson_destroy(copy);
  mongoc_cursor_destroy(cursor);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(g_pool, c);
  bson_destroy(&opts);
}

static void raw_small_get(int it) {
  for (int i = 0; i < g_ops; ++i) {
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "_id", g_small[i % g_loaded].id);
    raw_find_one("small", &filter);
    bson_destroy(&filter);
  }
  (void)it;
}

static void odm_small_find_filter(int it) {
  mongo_odm_error_t e;
  for (int i = 0; i < g_scan_ops; ++i) {
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "field1", g_small[i].s[0]);
    mongo_odm_doc_t *d = mongo_odm_find_one(g_small_model, &filter, NULL, &e);
    if (!d) die("find_one", &e);
    mongo_odm_doc_destroy(d);
    bson_destroy(&filter);
  }
  (void)it;
}

static void raw_small_find_filter(int it) {
  for (int i = 0; i < g_scan_ops; ++i) {
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "field1", g_small[i].s[0]);
    raw_find_one("small", &filter);
    bson_destroy(&filter);
  }
  (void)it;
}

static void odm_small_update(int it) {
  mongo_odm_error_t e;
  for (int i = 0; i < g_write_ops; ++i) {
    bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set;
    BSON_APPEND_UTF8(&filter, "_id", g_small[i].id);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    BSON_APPEND_INT32(&set, "field8", i + it);
    bson_append_document_end(&update, &set);
    bool changed;
    if (!mongo_odm_update_one(g_small_model, &filter, &update, false, &changed, &e)) die("update_one", &e);
    bson_destroy(&filter);
    bson_destroy(&update);
  }
}

static void raw_small_update(int it) {
  for (int i = 0; i < g_write_ops; ++i) {
    bson_t filter = BSON_INITIALIZER, update = BSON_INITIALIZER, set;
    BSON_APPEND_UTF8(&filter, "_id", g_small[i].id);
    BSON_APPEND_DOCUMENT_BEGIN(&update, "$set", &set);
    BSON_APPEND_INT32(&set, "field8", i + it);
    bson_append_document_end(&update, &set);
    mongoc_client_t *c = mongoc_client_pool_pop(g_pool);
    mongoc_collection_t *coll = raw_coll(c, "small");
    bson_error_t error;
    bson_t reply;
    if (!mongoc_collection_update_one(coll, &filter, &update, NULL, &reply, &error)) {
      fprintf(stderr, "raw update_one: %s\n", error.message);
      exit(1);
    }
    bson_destroy(&reply);
    mongoc_collection_destroy(coll);
    mongoc_client_pool_push(g_pool, c);
    bson_destroy(&filter);
    bson_destroy(&update);
  }
}

static int g_tweets = 10000; /* --many-docs: tweets of find_many (and documents of insert_many) */

static void odm_find_many(int it) {
  mongo_odm_error_t e;
  mongo_odm_cursor_t *cursor = mongo_odm_find(g_tweet_model, NULL, NULL, &e);
  if (!cursor) die("find", &e);
  const mongo_odm_doc_t *doc;
  int n = 0;
  while (mongo_odm_cursor_next(cursor, &doc)) ++n;
  if (mongo_odm_cursor_error(cursor, &e)) die("cursor", &e);
  mongo_odm_cursor_destroy(cursor);
  if (n != g_tweets) {
    fprintf(stderr, "odm find_many: %d documents\n", n);
    exit(1);
  }
  (void)it;
}

static void raw_find_many(int it) {
  mongoc_client_t *c = mongoc_client_pool_pop(g_pool);
  mongoc_collection_t *coll = raw_coll(c, "tweet");
  bson_t filter = BSON_INITIALIZER;
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll, &filter, NULL, NULL);
  const bson_t *doc;
  int n = 0;
  while (mongoc_cursor_next(cursor, &doc)) {
    bson_t *copy = bson_copy(doc); /* a program keeps each document it reads */
    bson_destroy(copy);
    ++n;
  }
  mongoc_cursor_destroy(cursor);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(g_pool, c);
  if (n != g_tweets) {
    fprintf(stderr, "raw find_many: %d documents\n", n);
    exit(1);
  }
  (void)it;
}

static mongo_odm_doc_t **g_insert_docs;
static bson_t **g_insert_raw;
static int g_insert_docs_n;

static void drop_small(void) { raw_drop("small"); }

static void odm_insert_many(int it) {
  mongo_odm_error_t e;
  if (!mongo_odm_insert_many(g_small_model, g_insert_docs, (size_t)g_insert_docs_n, &e)) die("insert_many", &e);
  (void)it;
}

static void raw_insert_many(int it) {
  mongoc_client_t *c = mongoc_client_pool_pop(g_pool);
  mongoc_collection_t *coll = raw_coll(c, "small");
  bson_error_t error;
  if (!mongoc_collection_insert_many(coll, (const bson_t **)g_insert_raw, (size_t)g_insert_docs_n, NULL, NULL, &error)) {
    fprintf(stderr, "raw insert_many: %s\n", error.message);
    exit(1);
  }
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(g_pool, c);
  (void)it;
}

/* Loads the first `count` small documents into both databases (ids recorded in g_small) and
 * keeps them, as model documents and as BSON, for insert_many. */
static void load_small(int count) {
  mongo_odm_error_t e;
  g_loaded = count;
  raw_drop("small");
  if (g_insert_docs) {
    for (int i = 0; i < g_insert_docs_n; ++i) {
      mongo_odm_doc_destroy(g_insert_docs[i]);
      bson_destroy(g_insert_raw[i]);
    }
    free(g_insert_docs);
    free(g_insert_raw);
  }
  mongo_odm_doc_t **docs = calloc((size_t)count, sizeof *docs);
  bson_t **raw = calloc((size_t)count, sizeof *raw);
  for (int i = 0; i < count; ++i) {
    docs[i] = mongo_odm_doc_new(g_small_model);
    snprintf(g_small[i].id, sizeof g_small[i].id, "%s", mongo_odm_doc_id(docs[i]));
    for (int k = 0; k < 7; ++k) mongo_odm_doc_set_utf8(docs[i], FIELD[k], g_small[i].s[k], &e);
    for (int k = 0; k < 6; ++k) mongo_odm_doc_set_int32(docs[i], FIELD[7 + k], g_small[i].n[k], &e);
    raw[i] = bson_new();
    small_to_bson(&g_small[i], g_small[i].id, raw[i]);
  }
  if (!mongo_odm_insert_many(g_small_model, docs, (size_t)count, &e)) die("load odm", &e);
  mongoc_client_t *c = mongoc_client_pool_pop(g_pool);
  mongoc_collection_t *coll = raw_coll(c, "small");
  bson_error_t error;
  if (!mongoc_collection_insert_many(coll, (const bson_t **)raw, (size_t)count, NULL, NULL, &error)) {
    fprintf(stderr, "load raw: %s\n", error.message);
    exit(1);
  }
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(g_pool, c);
  g_insert_docs = docs;
  g_insert_raw = raw;
  g_insert_docs_n = count;
}

static void load_tweets(const char *name, int count) {
  mongo_odm_error_t e;
  mongo_odm_client_t *client = mongo_odm_default_client(&e);
  const char *dbs[2] = {g_db_odm, g_db_raw};
  for (int d = 0; d < 2; ++d) {
    mongo_odm_collection_t *oc = mongo_odm_collection_new(client, dbs[d], name, &e);
    mongo_odm_collection_drop(oc, &e);
    g_rng = 777;
    for (int start = 0; start < count; start += 1000) {
      bson_t *batch[1000];
      int n = count - start < 1000 ? count - start : 1000;
      for (int i = 0; i < n; ++i) {
        batch[i] = bson_new();
        tweet_to_bson(start + i, batch[i]);
      }
      if (!mongo_odm_collection_insert_many(oc, (const bson_t *const *)batch, (size_t)n, NULL, NULL, &e)) {
        die("load tweets", &e);
      }
      for (int i = 0; i < n; ++i) bson_destroy(batch[i]);
    }
    mongo_odm_collection_destroy(oc);
  }
}

/* ---- large_create and nested_find --------------------------------------------------------- */

/* The ODM benchmark's large flat document (as bench/python/data.py's large_doc()): field1..125
 * strings of 20-34 characters, field126..250 ints, and image_field, 2,413,251 bytes of binary. */
enum { LARGE_FIELDS = 250, LARGE_IMAGE = 2413251 };
static int g_large_ops = 10; /* --large-ops */
static char g_large_key[LARGE_FIELDS][12];
static char g_large_str[125][35];
static int32_t g_large_int[125];
static uint8_t *g_large_image;
static mongo_odm_model_t *g_large_model;
static mongo_odm_model_t *g_nested_model;

static void make_large(void) {
  for (int i = 0; i < LARGE_FIELDS; ++i) snprintf(g_large_key[i], sizeof g_large_key[i], "field%d", i + 1);
  for (int i = 0; i < 125; ++i) word(g_large_str[i], 20 + (int)(rnd() % 15));
  for (int i = 0; i < 125; ++i) g_large_int[i] = (int32_t)(rnd() % 1000000000);
  g_large_image = malloc(LARGE_IMAGE);
  for (int i = 0; i < LARGE_IMAGE; ++i) g_large_image[i] = (uint8_t)rnd();
}

static void odm_large_create(int it) {
  mongo_odm_error_t e;
  bson_value_t image;
  image.value_type = BSON_TYPE_BINARY;
  image.value.v_binary.subtype = BSON_SUBTYPE_BINARY;
  image.value.v_binary.data = g_large_image;
  image.value.v_binary.data_len = LARGE_IMAGE;
  for (int n = 0; n < g_large_ops; ++n) {
    mongo_odm_doc_t *d = mongo_odm_doc_new(g_large_model);
    for (int i = 0; i < 125; ++i) mongo_odm_doc_set_utf8(d, g_large_key[i], g_large_str[i], &e);
    for (int i = 0; i < 125; ++i) mongo_odm_doc_set_int32(d, g_large_key[125 + i], g_large_int[i], &e);
    if (!mongo_odm_doc_set_value(d, "image_field", &image, &e)) die("set image", &e);
    if (!mongo_odm_doc_save(d, false, &e)) die("save large", &e);
    mongo_odm_doc_destroy(d);
  }
  (void)it;
}

static void raw_large_create(int it) {
  bson_t opts = BSON_INITIALIZER;
  BSON_APPEND_BOOL(&opts, "upsert", true);
  for (int n = 0; n < g_large_ops; ++n) {
    char id[25];
    mongo_odm_generate_id(id);
    bson_t doc = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&doc, "_id", id);
    for (int i = 0; i < 125; ++i) BSON_APPEND_UTF8(&doc, g_large_key[i], g_large_str[i]);
    for (int i = 0; i < 125; ++i) BSON_APPEND_INT32(&doc, g_large_key[125 + i], g_large_int[i]);
    BSON_APPEND_BINARY(&doc, "image_field", BSON_SUBTYPE_BINARY, g_large_image, LARGE_IMAGE);
    raw_upsert("large", id, &doc, &opts);
    bson_destroy(&doc);
  }
  bson_destroy(&opts);
  (void)it;
}

static void drop_large(void) { raw_drop("large"); }

/* A nested_large_doc-like document (as data.py's nested_docs()): five embedded documents of
 * 15 strings, an array of four such documents, seven embedded documents of 15 ints; the
 * benchmark finds by embedded_str_doc_1.field1 = "key<i>". */
static void nested_to_bson(int i, bson_t *out) {
  char value[31], key[16];
  for (int d = 1; d <= 5; ++d) {
    char name[32];
    snprintf(name, sizeof name, "embedded_str_doc_%d", d);
    bson_t sub;
    BSON_APPEND_DOCUMENT_BEGIN(out, name, &sub);
    for (int k = 1; k <= 15; ++k) {
      snprintf(key, sizeof key, "field%d", k);
      if (d == 1 && k == 1) snprintf(value, sizeof value, "key%06d", i);
      else word(value, 30);
      BSON_APPEND_UTF8(&sub, key, value);
    }
    bson_append_document_end(out, &sub);
  }
  bson_t array;
  BSON_APPEND_ARRAY_BEGIN(out, "embedded_str_doc_array", &array);
  for (int a = 0; a < 4; ++a) {
    char index[4];
    snprintf(index, sizeof index, "%d", a);
    bson_t sub;
    BSON_APPEND_DOCUMENT_BEGIN(&array, index, &sub);
    for (int k = 1; k <= 15; ++k) {
      snprintf(key, sizeof key, "field%d", k);
      word(value, 30);
      BSON_APPEND_UTF8(&sub, key, value);
    }
    bson_append_document_end(&array, &sub);
  }
  bson_append_array_end(out, &array);
  for (int d = 8; d <= 14; ++d) {
    char name[32];
    snprintf(name, sizeof name, "embedded_int_doc_%d", d);
    bson_t sub;
    BSON_APPEND_DOCUMENT_BEGIN(out, name, &sub);
    for (int k = 1; k <= 15; ++k) {
      snprintf(key, sizeof key, "field%d", k);
      BSON_APPEND_INT32(&sub, key, (int32_t)(rnd() % 1000000));
    }
    bson_append_document_end(out, &sub);
  }
}

static void load_nested(int count) {
  mongo_odm_error_t e;
  mongo_odm_client_t *client = mongo_odm_default_client(&e);
  const char *dbs[2] = {g_db_odm, g_db_raw};
  bson_t **docs = calloc((size_t)count, sizeof *docs);
  for (int i = 0; i < count; ++i) {
    docs[i] = bson_new();
    nested_to_bson(i, docs[i]);
  }
  for (int d = 0; d < 2; ++d) {
    mongo_odm_collection_t *oc = mongo_odm_collection_new(client, dbs[d], "nested", &e);
    mongo_odm_collection_drop(oc, &e);
    if (!mongo_odm_collection_insert_many(oc, (const bson_t *const *)docs, (size_t)count, NULL, NULL, &e)) {
      die("load nested", &e);
    }
    mongo_odm_collection_destroy(oc);
  }
  for (int i = 0; i < count; ++i) bson_destroy(docs[i]);
  free(docs);
  raw_index("nested", "embedded_str_doc_1.field1");
}

/* FerretDB does not push a filter on a nested field down to SQLite: it reads and matches every
 * document (~1 ms per nested document here), so the finds cycle over NESTED_DOCS documents. */
enum { NESTED_DOCS = 10 };

static void odm_nested_find(int it) {
  mongo_odm_error_t e;
  for (int i = 0; i < g_scan_ops; ++i) {
    char value[16];
    snprintf(value, sizeof value, "key%06d", i % NESTED_DOCS);
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "embedded_str_doc_1.field1", value);
    mongo_odm_doc_t *d = mongo_odm_find_one(g_nested_model, &filter, NULL, &e);
    if (!d) die("find_one (nested)", &e);
    mongo_odm_doc_destroy(d);
    bson_destroy(&filter);
  }
  (void)it;
}

static void raw_nested_find(int it) {
  for (int i = 0; i < g_scan_ops; ++i) {
    char value[16];
    snprintf(value, sizeof value, "key%06d", i % NESTED_DOCS);
    bson_t filter = BSON_INITIALIZER;
    BSON_APPEND_UTF8(&filter, "embedded_str_doc_1.field1", value);
    raw_find_one("nested", &filter);
    bson_destroy(&filter);
  }
  (void)it;
}

/* ---- cold_pool: a fresh process's first operations (see the header) ---------------------- */

enum { COLD_DOCS = 32 };

static void cold_id(int i, char out[25]) { snprintf(out, 25, "cold%020d", i % COLD_DOCS); }

typedef struct {
  pthread_barrier_t *barrier;
  mongo_odm_model_t *model; /* odm */
  mongoc_client_pool_t *pool; /* raw */
  int index, per_thread, failed;
} cold_arg_t;

static void *cold_thread(void *p) {
  cold_arg_t *a = p;
  pthread_barrier_wait(a->barrier);
  for (int k = 0; k < a->per_thread; ++k) {
    char id[25];
    cold_id(a->index + k * 7, id);
    if (a->model) {
      mongo_odm_error_t e;
      mongo_odm_doc_t *d = mongo_odm_get(a->model, id, &e);
      if (!d) {
        fprintf(stderr, "cold get: %s\n", e.message);
        a->failed = 1;
        continue;
      }
      mongo_odm_doc_destroy(d);
    } else {
      bson_t filter = BSON_INITIALIZER, opts = BSON_INITIALIZER;
      BSON_APPEND_UTF8(&filter, "_id", id);
      BSON_APPEND_INT32(&opts, "limit", 1);
      BSON_APPEND_BOOL(&opts, "singleBatch", true);
      mongoc_client_t *c = mongoc_client_pool_pop(a->pool);
      mongoc_collection_t *coll = mongoc_client_get_collection(c, g_db_raw, "cold");
      mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll, &filter, &opts, NULL);
      const bson_t *doc;
      if (mongoc_cursor_next(cursor, &doc)) {
        bson_t *copy = bson_copy(doc);
        bson_destroy(copy);
      } else {
        bson_error_t error;
        fprintf(stderr, "cold find_one: %s\n", mongoc_cursor_error(cursor, &error) ? error.message : "no document");
        a->failed = 1;
      }
      mongoc_cursor_destroy(cursor);
      mongoc_collection_destroy(coll);
      mongoc_client_pool_push(a->pool, c);
      bson_destroy(&filter);
      bson_destroy(&opts);
    }
  }
  return NULL;
}

/* The raw side's pool, with the library's URI defaults (as in main()). */
static mongoc_client_pool_t *raw_pool_new(mongoc_uri_t **uri_out) {
  mongoc_uri_t *uri = mongoc_uri_new(getenv("MONGO_URL"));
  if (!uri) {
    fprintf(stderr, "MONGO_URL is not a valid URI\n");
    exit(1);
  }
  if (getenv("MONGO_USER")) mongoc_uri_set_username(uri, getenv("MONGO_USER"));
  if (getenv("MONGO_PASSWORD")) mongoc_uri_set_password(uri, getenv("MONGO_PASSWORD"));
  mongoc_uri_set_option_as_int32(uri, MONGOC_URI_MAXPOOLSIZE, 50);
  mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS, 5000);
  mongoc_uri_set_option_as_int32(uri, MONGOC_URI_SOCKETTIMEOUTMS, 20000);
  mongoc_uri_set_option_as_int32(uri, MONGOC_URI_CONNECTTIMEOUTMS, 20000);
  mongoc_uri_set_option_as_int32(uri, MONGOC_URI_HEARTBEATFREQUENCYMS, 10000);
  mongoc_uri_set_option_as_bool(uri, MONGOC_URI_RETRYWRITES, true);
  mongoc_uri_set_option_as_bool(uri, MONGOC_URI_RETRYREADS, true);
  mongoc_client_pool_t *pool = mongoc_client_pool_new(uri);
  mongoc_client_pool_set_error_api(pool, 2);
  *uri_out = uri;
  return pool;
}

/* The child: one measurement, one JSON line. */
static int cold_child(const char *which, int threads, int per_thread) {
  const bool odm = strcmp(which, "odm") == 0;
  mongo_odm_model_t *model = NULL;
  mongo_odm_error_t e;
  if (odm) {
    mongo_odm_init();
    model = mongo_odm_model_new("cold", &e);
    if (!model) die("model", &e);
  } else {
    mongoc_init();
  }
  mongoc_uri_t *uri = NULL;
  mongoc_client_pool_t *pool = NULL;
  const double c0 = now_cpu(), w0 = now_wall();
  if (odm) {
    if (!mongo_odm_connect(NULL, NULL, NULL, g_db_odm, &e)) die("connect", &e);
  } else {
    pool = raw_pool_new(&uri);
    mongoc_client_t *c = mongoc_client_pool_pop(pool);
    bson_t ping = BSON_INITIALIZER;
    BSON_APPEND_INT32(&ping, "ping", 1);
    bson_error_t error;
    if (!mongoc_client_command_simple(c, "admin", &ping, NULL, NULL, &error)) {
      fprintf(stderr, "raw ping: %s\n", error.message);
      exit(1);
    }
    bson_destroy(&ping);
    mongoc_client_pool_push(pool, c);
  }
  const double c1 = now_cpu();
  pthread_barrier_t barrier;
  pthread_barrier_init(&barrier, NULL, (unsigned)threads);
  pthread_t *tid = calloc((size_t)threads, sizeof *tid);
  cold_arg_t *args = calloc((size_t)threads, sizeof *args);
  for (int i = 0; i < threads; ++i) {
    args[i] = (cold_arg_t){&barrier, model, pool, i, per_thread, 0};
    pthread_create(&tid[i], NULL, cold_thread, &args[i]);
  }
  int failed = 0;
  for (int i = 0; i < threads; ++i) {
    pthread_join(tid[i], NULL);
    failed |= args[i].failed;
  }
  const double w2 = now_wall(), c2 = now_cpu();
  printf("{\"cpu_s\": %.6f, \"wall_s\": %.6f, \"connect_cpu_s\": %.6f}\n", c2 - c0, w2 - w0, c1 - c0);
  fflush(stdout);
  pthread_barrier_destroy(&barrier);
  free(tid);
  free(args);
  if (odm) {
    mongo_odm_model_destroy(model);
    mongo_odm_cleanup();
  } else {
    mongoc_log_set_handler(NULL, NULL); /* FerretDB has no endSessions: libmongoc warns at destroy */
    mongoc_client_pool_destroy(pool);
    mongoc_uri_destroy(uri);
    mongoc_cleanup();
  }
  return failed;
}

static void cold_run(const char *self, const char *which, int per_thread, double *cpu, double *wall) {
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "'%s' --cold-child %s --cold-threads %d --cold-per-thread %d", self, which,
           g_cold_threads, per_thread);
  FILE *f = popen(cmd, "r");
  char line[512] = "";
  int got = 0;
  while (f && fgets(line, sizeof line, f)) {
    if (sscanf(line, "{\"cpu_s\": %lf, \"wall_s\": %lf", cpu, wall) == 2) got = 1;
  }
  if (!f || pclose(f) != 0 || !got) {
    fprintf(stderr, "cold_pool child (%s) failed\n", which);
    exit(1);
  }
}

static void cold_pool(void) {
  const bool one = wanted("cold_pool"), three = wanted("cold_pool_3");
  if (!one && !three) return;
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) {
    fprintf(stderr, "cold_pool: cannot find this program (/proc/self/exe)\n");
    exit(1);
  }
  self[n] = '\0';
  /* COLD_DOCS documents with known ids in both databases */
  mongo_odm_error_t e;
  mongo_odm_client_t *client = mongo_odm_default_client(&e);
  const char *dbs[2] = {g_db_odm, g_db_raw};
  for (int d = 0; d < 2; ++d) {
    mongo_odm_collection_t *oc = mongo_odm_collection_new(client, dbs[d], "cold", &e);
    mongo_odm_collection_drop(oc, &e);
    bson_t *docs[COLD_DOCS];
    for (int i = 0; i < COLD_DOCS; ++i) {
      char id[25];
      cold_id(i, id);
      docs[i] = bson_new();
      small_to_bson(&g_small[i], id, docs[i]);
    }
    if (!mongo_odm_collection_insert_many(oc, (const bson_t *const *)docs, COLD_DOCS, NULL, NULL, &e)) die("load cold", &e);
    for (int i = 0; i < COLD_DOCS; ++i) bson_destroy(docs[i]);
    mongo_odm_collection_destroy(oc);
  }
  const int iterations = g_cold_iterations > 0 ? g_cold_iterations : g_iterations;
  const int saved = g_iterations;
  g_iterations = iterations; /* report() takes the median of g_iterations samples */
  for (int variant = 0; variant < 2; ++variant) {
    const int per_thread = variant == 0 ? 1 : 3;
    if (!(variant == 0 ? one : three)) continue;
    samples_t so, sr;
    for (int it = 0; it <= iterations; ++it) {
      for (int which = 0; which < 2; ++which) {
        double cpu, wall;
        cold_run(self, which == 0 ? "odm" : "raw", per_thread, &cpu, &wall);
        if (it > 0) {
          samples_t *s = which == 0 ? &so : &sr;
          s->wall[it - 1] = wall;
          s->cpu[it - 1] = cpu;
        }
      }
    }
    const char *task = variant == 0 ? "cold_pool" : "cold_pool_3";
    report(task, "libmongo_odm", &so, g_cold_threads * per_thread);
    report(task, "libmongoc", &sr, g_cold_threads * per_thread);
  }
  g_iterations = saved;
  raw_drop("cold");
}

static void stream(void) {
  if (!wanted("stream")) return;
  load_tweets("stream", g_stream_docs);
  mongo_odm_error_t e;
  mongo_odm_model_t *model = mongo_odm_model_new("stream", &e);
  const long before = vm_hwm_kib();
  const double w0 = now_wall();
  mongo_odm_cursor_t *cursor = mongo_odm_find(model, NULL, NULL, &e);
  if (!cursor) die("find", &e);
  const mongo_odm_doc_t *doc;
  long n = 0;
  while (mongo_odm_cursor_next(cursor, &doc)) ++n;
  if (mongo_odm_cursor_error(cursor, &e)) die("stream cursor", &e);
  mongo_odm_cursor_destroy(cursor);
  const long after = vm_hwm_kib();
  printf("{\"task\": \"stream\", \"system\": \"libmongo_odm\", \"docs\": %ld, \"before_kib\": %ld, \"after_kib\": %ld, "
         "\"growth_mib\": %.2f, \"seconds\": %.2f}\n",
         n, before, after, (after - before) / 1024.0, now_wall() - w0);
  mongo_odm_model_destroy(model);
  raw_drop("stream");
}

int main(int argc, char **argv) {
  const char *cold = NULL;
  int cold_per_thread = 1;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "--ops") && i + 1 < argc) g_ops = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--write-ops") && i + 1 < argc) g_write_ops = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--scan-ops") && i + 1 < argc) g_scan_ops = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--iterations") && i + 1 < argc) g_iterations = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--stream-docs") && i + 1 < argc) g_stream_docs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--many-docs") && i + 1 < argc) g_tweets = g_insert_count = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--large-ops") && i + 1 < argc) g_large_ops = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--cold-threads") && i + 1 < argc) g_cold_threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--cold-iterations") && i + 1 < argc) g_cold_iterations = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--cold-per-thread") && i + 1 < argc) cold_per_thread = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--cold-child") && i + 1 < argc) cold = argv[++i];
    else if (!strcmp(argv[i], "--only") && i + 1 < argc) g_only = argv[++i];
    else {
      fprintf(stderr, "usage: %s [--ops N] [--write-ops N] [--scan-ops N] [--iterations N] [--stream-docs N] "
                      "[--many-docs N] [--large-ops N] [--cold-threads N] [--cold-iterations N] [--only task,...]\n",
              argv[0]);
      return 2;
    }
  }
  if (cold) return cold_child(cold, g_cold_threads, cold_per_thread);
  if (g_iterations < 1 || g_iterations > MAX_ITER - 1) g_iterations = 5;
  if (g_cold_iterations > MAX_ITER - 1) g_cold_iterations = MAX_ITER - 1;
  if (g_large_ops < 1) g_large_ops = 10;
  mongo_odm_init();
  mongo_odm_error_t e;
  if (!mongo_odm_connect(NULL, NULL, NULL, g_db_odm, &e)) die("connect", &e);

  /* The raw side uses the same URL, credentials and option defaults as the library. */
  mongoc_uri_t *uri;
  g_pool = raw_pool_new(&uri);
  printf("{\"task\": \"meta\", \"libmongoc\": \"%s\", \"libmongo_odm\": \"%s\"}\n", mongoc_get_version(),
         mongo_odm_get_version());
  fflush(stdout);

  g_small_model = mongo_odm_model_new("small", &e);
  g_tweet_model = mongo_odm_model_new("tweet", &e);
  for (int k = 0; k < 7; ++k) mongo_odm_model_add_field(g_small_model, FIELD[k], MONGO_ODM_TYPE_UTF8, MONGO_ODM_FIELD_REQUIRED, &e);
  for (int k = 0; k < 6; ++k) mongo_odm_model_add_field(g_small_model, FIELD[7 + k], MONGO_ODM_TYPE_INT64, MONGO_ODM_FIELD_REQUIRED, &e);
  int most = g_ops > g_insert_count ? g_ops : g_insert_count;
  if (g_write_ops > most) most = g_write_ops;
  if (g_scan_ops > most) most = g_scan_ops;
  if (most < COLD_DOCS) most = COLD_DOCS;
  make_small(most);

  measure("small_create", g_write_ops, odm_small_create, raw_small_create, drop_small);
  /* FerretDB scans the table even for {_id: ...} (~8 us per document): the g_ops gets cycle
   * over a collection of 100 documents, as in bench/python/bench.py. */
  load_small(100);
  measure("small_get", g_ops, odm_small_get, raw_small_get, NULL);
  load_small(g_scan_ops > g_write_ops ? g_scan_ops : g_write_ops);
  raw_index("small", "field1");
  measure("small_find_filter", g_scan_ops, odm_small_find_filter, raw_small_find_filter, NULL);
  measure("small_update", g_write_ops, odm_small_update, raw_small_update, NULL);
  if (wanted("find_many")) load_tweets("tweet", g_tweets);
  measure("find_many", 1, odm_find_many, raw_find_many, NULL);
  load_small(g_insert_count);
  measure("insert_many", 1, odm_insert_many, raw_insert_many, drop_small);
  g_large_model = mongo_odm_model_new("large", &e);
  g_nested_model = mongo_odm_model_new("nested", &e);
  if (wanted("large_create")) {
    make_large();
    measure("large_create", g_large_ops, odm_large_create, raw_large_create, drop_large);
    raw_drop("large");
  }
  if (wanted("nested_find")) {
    load_nested(NESTED_DOCS);
    measure("nested_find", g_scan_ops, odm_nested_find, raw_nested_find, NULL);
    raw_drop("nested");
  }
  cold_pool();
  stream();

  raw_drop("small");
  raw_drop("tweet");
  for (int i = 0; i < g_insert_docs_n; ++i) {
    mongo_odm_doc_destroy(g_insert_docs[i]);
    bson_destroy(g_insert_raw[i]);
  }
  free(g_insert_docs);
  free(g_insert_raw);
  free(g_small);
  mongo_odm_model_destroy(g_small_model);
  mongo_odm_model_destroy(g_tweet_model);
  mongo_odm_model_destroy(g_large_model);
  mongo_odm_model_destroy(g_nested_model);
  free(g_large_image);
  mongoc_client_pool_destroy(g_pool);
  mongoc_uri_destroy(uri);
  mongo_odm_cleanup();
  return 0;
}
