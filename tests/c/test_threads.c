/* Concurrency through the default connection singleton.
 *
 * test_16_threads_1000_saves_each: the acceptance run. 16 threads, 1,000 saves each, through
 * the singleton, every thread on a model of its own (one collection per thread, in the same
 * database): exactly 16,000 documents and no error.
 *
 * test_concurrent_saves_and_reads: 16 threads saving on ONE shared model while other threads
 * read, then exact counts.
 *
 * Saves per thread: 100 by default, MONGO_ODM_TEST_SAVES_PER_THREAD to change it (1000 is the
 * full 16,000-document run). FerretDB 1.24 (SQLite) does not push the {_id} filter of an
 * update down to SQLite: every save (a replace_one upsert) scans the whole collection, about
 * 4 us per stored document, so N saves into one collection cost O(N^2). Measured here:
 * replace_one by _id takes 32 ms at 8,000 documents (find_one by _id: 0.5 ms), and the
 * 16 x 1,000 run takes about 14 minutes; 16 x 100 takes about 10 s. */
#include <pthread.h>
#include <time.h>

#include "test_util.h"

enum { WRITERS = 16, DEFAULT_SAVES_PER_WRITER = 100, READERS = 4, SEEDS = 50 };

static int SAVES_PER_WRITER = DEFAULT_SAVES_PER_WRITER;

typedef struct {
  const mongo_odm_model_t *model; /* shared read-only */
  int index;
  int *writers_done; /* read and written with __atomic builtins */
  /* results */
  int failures;
  int reads;
  char first_error[1024];
} worker_t;

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void record_failure(worker_t *w, const char *what, const mongo_odm_error_t *err) {
  if (w->failures++ == 0) {
    snprintf(w->first_error, sizeof w->first_error, "%s: %s: %s", what,
             err ? mongo_odm_error_code_name(err->code) : "-", err ? err->message : "");
  }
}

static void *writer(void *arg) {
  worker_t *w = arg;
  for (int i = 0; i < SAVES_PER_WRITER; ++i) {
    mongo_odm_error_t err;
    mongo_odm_doc_t *doc = mongo_odm_doc_new(w->model);
    if (!doc) {
      record_failure(w, "doc_new", NULL);
      continue;
    }
    if (!mongo_odm_doc_set_int32(doc, "thread", w->index, &err) || !mongo_odm_doc_set_int32(doc, "i", i, &err)) {
      record_failure(w, "set", &err);
    } else if (!mongo_odm_doc_save(doc, false, &err)) {
      record_failure(w, "save", &err);
    }
    mongo_odm_doc_destroy(doc);
  }
  return NULL;
}

static void *reader(void *arg) {
  worker_t *w = arg;
  int64_t last_count = 0;
  /* at least a few rounds, and until every writer is done */
  for (int round = 0; round < 20 || !__atomic_load_n(w->writers_done, __ATOMIC_ACQUIRE); ++round) {
    mongo_odm_error_t err;
    char id[32];
    const int k = (round * 7 + w->index) % SEEDS;
    snprintf(id, sizeof id, "seed-%d", k);
    mongo_odm_doc_t *doc = mongo_odm_get(w->model, id, &err);
    if (!doc) {
      record_failure(w, "get", &err);
    } else {
      int32_t value = -1;
      if (!mongo_odm_doc_get_int32(doc, "i", &value) || value != k || strcmp(mongo_odm_doc_id(doc), id) != 0) {
        record_failure(w, "get returned the wrong document", NULL);
      }
      mongo_odm_doc_destroy(doc);
    }
    /* counting scans the collection on FerretDB: now and then */
    int64_t n = -1;
    if (round % 16 != 0) {
    } else if (!mongo_odm_count(w->model, NULL, &n, &err)) {
      record_failure(w, "count", &err);
    } else if (n < last_count || n < SEEDS || n > SEEDS + WRITERS * SAVES_PER_WRITER) {
      record_failure(w, "count out of range or going backwards", NULL);
    } else {
      last_count = n;
    }
    ++w->reads;
    /* concurrent, but leaving the two cores to the writers and the server most of the time */
    const struct timespec pause = {0, 2 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  return NULL;
}

static void test_concurrent_saves_and_reads(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_model_t *model = tu_model("threads");
  assert_true(mongo_odm_model_add_field(model, "thread", MONGO_ODM_TYPE_INT32, MONGO_ODM_FIELD_REQUIRED, &err));
  assert_true(mongo_odm_model_add_field(model, "i", MONGO_ODM_TYPE_INT32, MONGO_ODM_FIELD_REQUIRED, &err));

  /* documents the readers look up */
  for (int k = 0; k < SEEDS; ++k) {
    mongo_odm_doc_t *doc = mongo_odm_doc_new(model);
    char id[32];
    snprintf(id, sizeof id, "seed-%d", k);
    assert_true(mongo_odm_doc_set_id(doc, id, &err));
    assert_true(mongo_odm_doc_set_int32(doc, "thread", -1, &err));
    assert_true(mongo_odm_doc_set_int32(doc, "i", k, &err));
    assert_true(mongo_odm_doc_save(doc, false, &err));
    mongo_odm_doc_destroy(doc);
  }

  const double start = now_seconds();
  int writers_done = 0;
  worker_t writers[WRITERS], readers[READERS];
  pthread_t writer_threads[WRITERS], reader_threads[READERS];
  memset(writers, 0, sizeof writers);
  memset(readers, 0, sizeof readers);
  for (int r = 0; r < READERS; ++r) {
    readers[r] = (worker_t){.model = model, .index = r, .writers_done = &writers_done};
    assert_int_equal(pthread_create(&reader_threads[r], NULL, reader, &readers[r]), 0);
  }
  for (int t = 0; t < WRITERS; ++t) {
    writers[t] = (worker_t){.model = model, .index = t, .writers_done = &writers_done};
    assert_int_equal(pthread_create(&writer_threads[t], NULL, writer, &writers[t]), 0);
  }
  for (int t = 0; t < WRITERS; ++t) assert_int_equal(pthread_join(writer_threads[t], NULL), 0);
  __atomic_store_n(&writers_done, 1, __ATOMIC_RELEASE);
  const double writing = now_seconds() - start;
  for (int r = 0; r < READERS; ++r) assert_int_equal(pthread_join(reader_threads[r], NULL), 0);
  printf("threads: %d saves in %.1f s while %d readers read\n", WRITERS * SAVES_PER_WRITER, writing, READERS);

  int failures = 0;
  for (int t = 0; t < WRITERS; ++t) {
    if (writers[t].failures) print_error("writer %d: %d failures, first: %s\n", t, writers[t].failures, writers[t].first_error);
    failures += writers[t].failures;
  }
  for (int r = 0; r < READERS; ++r) {
    if (readers[r].failures) print_error("reader %d: %d failures, first: %s\n", r, readers[r].failures, readers[r].first_error);
    failures += readers[r].failures;
    assert_true(readers[r].reads >= 20);
  }
  assert_int_equal(failures, 0);

  /* exactly every document: 16,000 distinct ids, 1,000 per writer */
  int64_t n = -1;
  assert_true(mongo_odm_count(model, NULL, &n, &err));
  assert_int_equal(n, SEEDS + WRITERS * SAVES_PER_WRITER);
  bson_t *pipeline = tu_bson("[{\"$match\": {\"thread\": {\"$gte\": 0}}}, "
                             "{\"$group\": {\"_id\": \"$thread\", \"n\": {\"$sum\": 1}}}]");
  mongo_odm_cursor_t *cursor = mongo_odm_aggregate(model, pipeline, NULL, &err);
  assert_non_null(cursor);
  const bson_t *group;
  int groups = 0;
  bool seen[WRITERS] = {false};
  while (mongo_odm_cursor_next_bson(cursor, &group)) {
    bson_iter_t iter;
    assert_true(bson_iter_init_find(&iter, group, "_id"));
    const int t = bson_iter_int32(&iter);
    assert_true(t >= 0 && t < WRITERS);
    assert_false(seen[t]);
    seen[t] = true;
    tu_assert_bson_int(group, "n", SAVES_PER_WRITER);
    ++groups;
  }
  assert_false(mongo_odm_cursor_error(cursor, &err));
  assert_int_equal(groups, WRITERS);
  mongo_odm_cursor_destroy(cursor);
  bson_destroy(pipeline);

  /* the last save of every writer is there */
  bson_t *filter = BCON_NEW("i", BCON_INT32(SAVES_PER_WRITER - 1), "thread", "{", "$gte", BCON_INT32(0), "}");
  assert_true(mongo_odm_count(model, filter, &n, &err));
  assert_int_equal(n, WRITERS);
  bson_destroy(filter);

  tu_drop(model);
  mongo_odm_model_destroy(model);
}

/* 16 x 1,000 saves, one collection per thread. With one collection per thread FerretDB's
 * per-save cost stays bounded by 1,000 documents (see the top of the file), so the run takes
 * about a minute instead of a quarter of an hour; the singleton, its pool and the library are
 * shared exactly as in the one-collection test. */
static void test_16_threads_1000_saves_each(void **state) {
  (void)state;
  enum { SAVES = 1000 };
  mongo_odm_error_t err;
  mongo_odm_model_t *models[WRITERS];
  worker_t writers[WRITERS];
  pthread_t threads[WRITERS];
  memset(writers, 0, sizeof writers);
  const int saved_setting = SAVES_PER_WRITER;
  SAVES_PER_WRITER = SAVES;
  for (int t = 0; t < WRITERS; ++t) {
    models[t] = tu_model("threads_own");
    assert_true(mongo_odm_model_add_field(models[t], "thread", MONGO_ODM_TYPE_INT32, MONGO_ODM_FIELD_REQUIRED, &err));
    assert_true(mongo_odm_model_add_field(models[t], "i", MONGO_ODM_TYPE_INT32, MONGO_ODM_FIELD_REQUIRED, &err));
    writers[t] = (worker_t){.model = models[t], .index = t};
  }
  const double start = now_seconds();
  for (int t = 0; t < WRITERS; ++t) assert_int_equal(pthread_create(&threads[t], NULL, writer, &writers[t]), 0);
  for (int t = 0; t < WRITERS; ++t) assert_int_equal(pthread_join(threads[t], NULL), 0);
  printf("threads: %d x %d saves (one collection per thread) in %.1f s\n", WRITERS, SAVES, now_seconds() - start);
  SAVES_PER_WRITER = saved_setting;

  int failures = 0;
  for (int t = 0; t < WRITERS; ++t) {
    if (writers[t].failures) print_error("writer %d: %d failures, first: %s\n", t, writers[t].failures, writers[t].first_error);
    failures += writers[t].failures;
  }
  assert_int_equal(failures, 0);
  int64_t total = 0;
  for (int t = 0; t < WRITERS; ++t) {
    int64_t n = -1;
    assert_true(mongo_odm_count(models[t], NULL, &n, &err));
    assert_int_equal(n, SAVES);
    bson_t *last = BCON_NEW("i", BCON_INT32(SAVES - 1), "thread", BCON_INT32(t));
    int64_t found = -1;
    assert_true(mongo_odm_count(models[t], last, &found, &err));
    assert_int_equal(found, 1);
    bson_destroy(last);
    total += n;
    tu_drop(models[t]);
    mongo_odm_model_destroy(models[t]);
  }
  assert_int_equal(total, WRITERS * SAVES);
}

/* Many threads sharing one document-less model through find cursors and the same client. */
static void *cursor_reader(void *arg) {
  worker_t *w = arg;
  for (int round = 0; round < 25; ++round) {
    mongo_odm_error_t err;
    bson_t *opts = BCON_NEW("batchSize", BCON_INT32(7), "sort", "{", "i", BCON_INT32(1), "}");
    mongo_odm_cursor_t *cursor = mongo_odm_find(w->model, NULL, opts, &err);
    bson_destroy(opts);
    if (!cursor) {
      record_failure(w, "find", &err);
      continue;
    }
    const mongo_odm_doc_t *doc;
    int expected = 0;
    while (mongo_odm_cursor_next(cursor, &doc)) {
      int32_t i = -1;
      if (!mongo_odm_doc_get_int32(doc, "i", &i) || i != expected) record_failure(w, "cursor order", NULL);
      ++expected;
    }
    if (mongo_odm_cursor_error(cursor, &err)) record_failure(w, "cursor", &err);
    if (expected != 40) record_failure(w, "cursor count", NULL);
    mongo_odm_cursor_destroy(cursor);
    ++w->reads;
  }
  return NULL;
}

static void test_concurrent_cursors(void **state) {
  (void)state;
  mongo_odm_error_t err;
  mongo_odm_model_t *model = tu_model("threads_cursors");
  mongo_odm_doc_t *docs[40];
  for (int i = 0; i < 40; ++i) {
    docs[i] = mongo_odm_doc_new(model);
    assert_true(mongo_odm_doc_set_int32(docs[i], "i", i, &err));
  }
  assert_true(mongo_odm_insert_many(model, docs, 40, &err));
  for (int i = 0; i < 40; ++i) mongo_odm_doc_destroy(docs[i]);

  enum { N = 8 };
  worker_t workers[N];
  pthread_t threads[N];
  memset(workers, 0, sizeof workers);
  for (int t = 0; t < N; ++t) {
    workers[t].model = model;
    workers[t].index = t;
    assert_int_equal(pthread_create(&threads[t], NULL, cursor_reader, &workers[t]), 0);
  }
  int failures = 0;
  for (int t = 0; t < N; ++t) {
    assert_int_equal(pthread_join(threads[t], NULL), 0);
    if (workers[t].failures) print_error("thread %d: %s\n", t, workers[t].first_error);
    failures += workers[t].failures;
    assert_int_equal(workers[t].reads, 25);
  }
  assert_int_equal(failures, 0);
  tu_drop(model);
  mongo_odm_model_destroy(model);
}

int main(void) {
  const char *saves = getenv("MONGO_ODM_TEST_SAVES_PER_THREAD");
  if (saves && atoi(saves) > 0) SAVES_PER_WRITER = atoi(saves);
  printf("threads: %d writers x %d saves, %d readers\n", WRITERS, SAVES_PER_WRITER, READERS);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_16_threads_1000_saves_each),
      cmocka_unit_test(test_concurrent_saves_and_reads),
      cmocka_unit_test(test_concurrent_cursors),
  };
  return cmocka_run_group_tests_name("threads", tests, tu_setup_connected, tu_teardown_connected);
}
