/* Unit tests: the text reader (JSON Lines, CSV/TSV, JSON arrays, plain and
 * compressed), field mapping, kinds, bad rows, limits, the cache and the
 * text_read service. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "base/limit_table.h"
#include "package/package.h"
#include "text/text_env.h"
#include "text/text_refs.h"
#include "text/text_utf8.h"
#include "text_load.h"

static mg_limits lim;
static mg_text_dataset d;
static mg_err err;

static void setup(void) {
  mg_limits_default(&lim);
  memset(&d, 0, sizeof d);
}

static void teardown(void) {
  mg_text_dataset_free(&d);
}

static int load(const char *text, const char *name, const mg_text_options *o) {
  mg_text_dataset_free(&d);
  return tt_load(text, strlen(text), name, o, &lim, &d, &err);
}

#define F(row, k) tt_field(&d, row, MG_TF_##k)
#define ASSERT_F(row, k, want)                                                                     \
  do {                                                                                             \
    const char *got_ = F(row, k);                                                                  \
    ck_assert_msg(got_ && !strcmp(got_, want), "row %d " #k ": got '%s', want '%s'", (int)(row),   \
                  got_ ? got_ : "(null)", want);                                                   \
  } while (0)

START_TEST(utf8_validation) {
  static const struct {
    const char *s;
    size_t n, valid;
  } cases[] = {{"abc", 3, 3},
               {"caf\xc3\xa9", 5, 5},
               {"\xe2\x82\xac\xf0\x9f\x98\x80", 7, 7},
               {"a\xc0\xaf", 3, 1},         /* overlong '/' */
               {"a\xe0\x80\xaf", 4, 1},     /* overlong, 3 bytes */
               {"ab\xed\xa0\x80", 5, 2},    /* a surrogate */
               {"\xf4\x90\x80\x80", 4, 0},  /* past U+10FFFF */
               {"x\xc3", 2, 1},             /* truncated */
               {"x\x80y", 3, 1},            /* lone continuation */
               {"a\0b", 3, 1},              /* NUL */
               {"\xf5\x80\x80\x80", 4, 0}}; /* F5 never starts a sequence */
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    ck_assert_msg(mg_text_utf8_valid(cases[i].s, cases[i].n) == cases[i].valid, "case %zu", i);
}
END_TEST

START_TEST(jsonl_classification) {
  const char *text = "\xef\xbb\xbf{\"text\": \"great film\", \"label\": 1}\n"
                     "\n"
                     "{\"sentence\": \"dull\", \"label\": \"negative\"}\r\n"
                     "   \n"
                     "{\"content\": \"caf\\u00e9 \\\"ok\\\"\", \"label\": 2.5, \"extra\": [1]}\n"
                     "{\"text\": \"no label\", \"label\": null}\n"
                     "{\"text\": \"t\", \"label\": true, \"annotator\": 17}";
  ck_assert_int_eq(load(text, "train.jsonl", NULL), MG_OK);
  ck_assert_uint_eq(d.rows, 5); /* blank lines are not rows */
  ck_assert_uint_eq(d.bad_rows, 0);
  ck_assert_int_eq(d.format, MG_TEXT_FORMAT_JSONL);
  ck_assert_int_eq(d.kind, MG_TEXT_CLASSIFICATION);
  ck_assert_uint_eq(d.fields, MG_TEXT_FIELD_TEXT | MG_TEXT_FIELD_LABEL | MG_TEXT_FIELD_ANNOTATOR);
  ASSERT_F(0, TEXT, "great film");
  ASSERT_F(0, LABEL, "1");
  ASSERT_F(1, TEXT, "dull");
  ASSERT_F(1, LABEL, "negative");
  ASSERT_F(2, TEXT, "caf\xc3\xa9 \"ok\"");
  ASSERT_F(2, LABEL, "2.5");
  ASSERT_F(3, TEXT, "no label");
  ck_assert_ptr_null(F(3, LABEL)); /* null is absent */
  ASSERT_F(4, LABEL, "true");
  ASSERT_F(4, ANNOTATOR, "17");
  ck_assert_ptr_null(F(0, INSTRUCTION));
}
END_TEST

START_TEST(jsonl_bad_rows_named) {
  const char *text = "{\"text\": \"a\", \"label\": 0}\n"
                     "{\"text\": \"b\", \"label\": \n"                    /* 1: malformed */
                     "[\"not\", \"an object\"]\n"                         /* 2 */
                     "{\"text\": \"bad \xff byte\", \"label\": 0}\n"      /* 3: invalid UTF-8 */
                     "{\"text\": \"x\", \"text\": \"y\", \"label\": 1}\n" /* 4: duplicate key */
                     "{\"text\": \"nul \\u0000\", \"label\": 1}\n"        /* 5: NUL */
                     "{\"text\": \"\\ud800\", \"label\": 1}\n"            /* 6: lone surrogate */
                     "{\"text\": \"fine\", \"label\": 1}\n";
  ck_assert_int_eq(load(text, "t.jsonl", NULL), MG_OK);
  ck_assert_uint_eq(d.rows, 8);
  ck_assert_uint_eq(d.bad_rows, 6);
  for (uint64_t i = 1; i <= 6; i++)
    ck_assert_msg(tt_bad(&d, i), "row %d should be bad", (int)i);
  ck_assert(!tt_bad(&d, 0) && !tt_bad(&d, 7));
  ASSERT_F(7, TEXT, "fine");
  ck_assert_uint_eq(d.n_bad, 6);
  for (size_t i = 0; i < d.n_bad; i++) {
    ck_assert_uint_eq(d.bad[i].row, i + 1);
    for (const char *c = d.bad[i].reason; *c; c++)
      ck_assert(*c >= 0x20 && *c < 0x7f);
  }
  ck_assert_ptr_nonnull(strstr(d.bad[1].reason, "not an object"));
  uint64_t *rows;
  size_t n;
  ck_assert_int_eq(mg_text_dataset_bad_indices(&d, &rows, &n, &err), MG_OK);
  ck_assert_uint_eq(n, 6);
  ck_assert_uint_eq(rows[0], 1);
  ck_assert_uint_eq(rows[5], 6);
  free(rows);
}
END_TEST

START_TEST(csv_quoting) {
  const char *text = "id,Text,LABEL,note\r\n"
                     "1,plain,pos,x\r\n"
                     "2,\"with, comma\",neg,\"say \"\"hi\"\"\"\r\n"
                     "3,\"two\nlines\r\nhere\",pos,\n"
                     "\n"
                     "4,he said \"no\" twice,neg,\"\"\n"
                     "5,,pos,y\n"
                     "6,short,row\n"
                     "7,\"closed\"junk,pos,z\n"
                     "8,caf\xc3\xa9,pos,z\n"
                     "9,\xc3\x28,pos,z\n"
                     "10,last,neg,\"unterminated";
  ck_assert_int_eq(load(text, "data.csv", NULL), MG_OK);
  ck_assert_int_eq(d.format, MG_TEXT_FORMAT_CSV);
  ck_assert_uint_eq(d.rows, 10);
  ck_assert_int_eq(d.kind, MG_TEXT_CLASSIFICATION);
  ASSERT_F(0, TEXT, "plain"); /* "Text" and "LABEL": case is ignored in a header */
  ASSERT_F(0, LABEL, "pos");
  ASSERT_F(1, TEXT, "with, comma");
  ASSERT_F(2, TEXT, "two\nlines\r\nhere");   /* newlines inside quotes are data */
  ASSERT_F(3, TEXT, "he said \"no\" twice"); /* a quote inside an unquoted field */
  ck_assert_ptr_null(F(4, TEXT));            /* an empty cell is missing */
  ASSERT_F(4, LABEL, "pos");
  ck_assert(tt_bad(&d, 5)); /* 3 fields where the header has 4 */
  ck_assert(tt_bad(&d, 6)); /* bytes after a closing quote */
  ASSERT_F(7, TEXT, "caf\xc3\xa9");
  ck_assert(tt_bad(&d, 8)); /* invalid UTF-8 */
  ck_assert(tt_bad(&d, 9)); /* unterminated quote at the end */
  ck_assert_uint_eq(d.bad_rows, 4);
  ck_assert_ptr_nonnull(strstr(d.bad[0].reason, "3 fields where the header has 4"));
  ck_assert_ptr_nonnull(strstr(d.bad[1].reason, "after a closing quote"));
  ck_assert_ptr_nonnull(strstr(d.bad[2].reason, "UTF-8"));
  ck_assert_ptr_nonnull(strstr(d.bad[3].reason, "not closed"));
}
END_TEST

START_TEST(tsv_and_overrides) {
  const char *text = "review\tstars\tinstruction\n"
                     "good\t5\tignored\n"
                     "\"tab\there\"\t1\tx\n";
  mg_text_options o = {0};
  o.fields.name[MG_TF_TEXT] = "review";
  o.fields.name[MG_TF_LABEL] = "stars";
  o.kind = MG_TEXT_CLASSIFICATION;
  ck_assert_int_eq(load(text, "x.tsv.gz", &o), MG_OK); /* name says TSV; content is plain */
  ck_assert_int_eq(d.format, MG_TEXT_FORMAT_TSV);
  ck_assert_uint_eq(d.rows, 2);
  ASSERT_F(0, TEXT, "good");
  ASSERT_F(0, LABEL, "5");
  ASSERT_F(1, TEXT, "tab\there");
  /* instruction is present, but the declared kind wins over detection */
  ck_assert_int_eq(d.kind, MG_TEXT_CLASSIFICATION);
  ck_assert(d.fields & MG_TEXT_FIELD_INSTRUCTION);
  /* An override replaces the defaults: "text" is no longer looked for. */
  o.fields.name[MG_TF_TEXT] = "body";
  o.kind = MG_TEXT_UNKNOWN;
  ck_assert_int_eq(load("{\"text\": \"a\", \"body\": \"b\", \"label\": 0}\n", "o.jsonl", &o),
                   MG_OK);
  ASSERT_F(0, TEXT, "b");
  ck_assert_ptr_null(F(0, LABEL)); /* "stars" is absent */
  ck_assert_int_eq(d.kind, MG_TEXT_UNKNOWN);
}
END_TEST

START_TEST(csv_header_problems) {
  ck_assert_int_eq(load("", "empty.csv", NULL), MG_OK);
  ck_assert_uint_eq(d.rows, 0);
  ck_assert_int_eq(load("text,label\n", "header-only.csv", NULL), MG_OK);
  ck_assert_uint_eq(d.rows, 0);
  ck_assert_int_eq(load("te\xffxt,label\nx,1\n", "badhead.csv", NULL), MG_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(err.msg, "badhead.csv"));
  ck_assert_ptr_nonnull(strstr(err.msg, "header"));
}
END_TEST

START_TEST(json_array_streamed) {
  const char *text =
      "  [ {\"instruction\": \"Add\", \"input\": \"2 and 3\", \"output\": 5},\n"
      "    \"a string\", 42, {\"instruction\": \"x\" , \"output\": [1, {\"a\": \"]}\"}]},"
      "{\"instruction\": \"bad\", \"output\": tru},"
      "{\"instruction\": \"s\\\"}\", \"response\": \"ok\"} ]  \n";
  ck_assert_int_eq(load(text, "set.json", NULL), MG_OK);
  ck_assert_int_eq(d.format, MG_TEXT_FORMAT_JSON);
  ck_assert_uint_eq(d.rows, 6);
  ck_assert_int_eq(d.kind, MG_TEXT_INSTRUCTION);
  ASSERT_F(0, INSTRUCTION, "Add");
  ASSERT_F(0, INPUT, "2 and 3");
  ASSERT_F(0, OUTPUT, "5");
  ck_assert(tt_bad(&d, 1) && tt_bad(&d, 2)); /* not objects */
  ASSERT_F(3, OUTPUT, "[1,{\"a\":\"]}\"}]"); /* brackets inside strings do not count */
  ck_assert(tt_bad(&d, 4));
  ASSERT_F(5, INSTRUCTION, "s\"}");
  ASSERT_F(5, OUTPUT, "ok");

  ck_assert_int_eq(load("[{}, {\"other\": 1}]", "e.json", NULL), MG_OK);
  ck_assert_uint_eq(d.rows, 2); /* rows without a known field: present, not bad */
  ck_assert(!tt_bad(&d, 0) && !tt_bad(&d, 1));
  ck_assert_ptr_null(F(1, TEXT));
  ck_assert_int_eq(d.kind, MG_TEXT_UNKNOWN);
  ck_assert_int_eq(load("[]", "e.json", NULL), MG_OK);
  ck_assert_uint_eq(d.rows, 0);
  ck_assert_int_eq(load("", "e.json", NULL), MG_OK);
  ck_assert_uint_eq(d.rows, 0);
  /* A .json file of one object per line is JSON Lines. */
  ck_assert_int_eq(
      load("{\"text\":\"a\",\"label\":1}\n{\"text\":\"b\",\"label\":2}\n", "l.json", NULL), MG_OK);
  ck_assert_int_eq(d.format, MG_TEXT_FORMAT_JSONL);
  ck_assert_uint_eq(d.rows, 2);
}
END_TEST

START_TEST(json_array_structure_errors) {
  static const char *const cases[][2] = {{"[{\"a\":1} {\"a\":2}]", "expected ',' or ']'"},
                                         {"[{\"a\":1},", "ends inside the array"},
                                         {"[{\"a\":1}, {\"a\": [", "ends inside an element"},
                                         {"[{\"a\":1}] x", "after the closing ']'"},
                                         {"{\"a\": 1} [", "expected '['"}};
  mg_text_options o = {0};
  o.format = MG_TEXT_FORMAT_JSON;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    ck_assert_msg(load(cases[i][0], "broken.json", &o) == MG_ERR_FORMAT, "case %zu", i);
    ck_assert_msg(strstr(err.msg, "broken.json") && strstr(err.msg, cases[i][1]), "case %zu: %s", i,
                  err.msg);
  }
}
END_TEST

START_TEST(chat_turns) {
  const char *text =
      "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
      " {\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": "
      "\"Hello\"},"
      " {\"role\": \"user\", \"content\": \"Capital of France?\"},"
      " {\"role\": \"tool\", \"content\": \"lookup\"},"
      " {\"role\": \"assistant\", \"content\": \"Paris\"}, {\"role\": \"user\", \"content\": "
      "\"thx\"}]}\n"
      "{\"conversations\": [{\"from\": \"human\", \"value\": \"2+2?\"}, {\"from\": \"gpt\", "
      "\"value\": 4}]}\n"
      "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"part "
      "one\"},"
      " {\"type\": \"image_url\", \"image_url\": {}}, {\"type\": \"text\", \"text\": \"part "
      "two\"}]}]}\n"
      "{\"instruction\": \"explicit\", \"messages\": [{\"role\": \"user\", \"content\": \"u\"},"
      " {\"role\": \"assistant\", \"content\": \"a\"}]}\n"
      "{\"messages\": \"not a list\"}\n";
  ck_assert_int_eq(load(text, "chat.jsonl", NULL), MG_OK);
  ck_assert_uint_eq(d.rows, 5);
  ck_assert_int_eq(d.kind, MG_TEXT_INSTRUCTION);
  /* System and user turns before the last assistant turn; earlier
   * assistant turns and other roles are left out. */
  ASSERT_F(0, INSTRUCTION, "Be brief.\nHi\nCapital of France?");
  ASSERT_F(0, OUTPUT, "Paris");
  ASSERT_F(1, INSTRUCTION, "2+2?");
  ASSERT_F(1, OUTPUT, "4");
  ASSERT_F(2, INSTRUCTION, "part one\npart two"); /* no assistant turn: all user turns */
  ck_assert_ptr_null(F(2, OUTPUT));
  ASSERT_F(3, INSTRUCTION, "explicit"); /* an explicit field wins */
  ASSERT_F(3, OUTPUT, "a");
  ck_assert_ptr_null(F(4, INSTRUCTION));
  ck_assert_ptr_null(F(4, OUTPUT));
  ck_assert(!tt_bad(&d, 4));
}
END_TEST

START_TEST(preference_rows) {
  const char *text =
      "{\"prompt\": \"p0\", \"chosen\": \"c0\", \"rejected\": \"r0\", \"worker_id\": 7}\n"
      "{\"prompt\": \"p1\", \"chosen\": [{\"role\": \"user\", \"content\": \"p1\"},"
      " {\"role\": \"assistant\", \"content\": \"c1\"}], \"rejected\": [{\"role\": \"user\","
      " \"content\": \"p1\"}, {\"role\": \"assistant\", \"content\": \"r1\"}], \"rater\": "
      "\"ann-3\"}\n";
  ck_assert_int_eq(load(text, "prefs.jsonl", NULL), MG_OK);
  ck_assert_int_eq(d.kind, MG_TEXT_PREFERENCE);
  ASSERT_F(0, PROMPT, "p0");
  ASSERT_F(0, CHOSEN, "c0");
  ASSERT_F(0, REJECTED, "r0");
  ASSERT_F(0, ANNOTATOR, "7");
  ASSERT_F(1, CHOSEN, "c1"); /* a chat list: its last assistant turn */
  ASSERT_F(1, REJECTED, "r1");
  ASSERT_F(1, ANNOTATOR, "ann-3");
  mg_text_options o = {0};
  o.kind = MG_TEXT_INSTRUCTION;
  ck_assert_int_eq(load(text, "prefs.jsonl", &o), MG_OK);
  ck_assert_int_eq(d.kind, MG_TEXT_INSTRUCTION);
}
END_TEST

/* A few thousand rows, so that the cache is flushed several times. */
static char *many_rows(size_t n, size_t *len) {
  size_t cap = n * 120 + 1;
  char *s = malloc(cap);
  ck_assert_ptr_nonnull(s);
  size_t used = 0;
  for (size_t i = 0; i < n; i++)
    used += (size_t)snprintf(s + used, cap - used,
                             "{\"instruction\": \"item %zu\", \"output\": \"%0*zu\"}\n", i,
                             (int)(i % 50), i);
  *len = used;
  return s;
}

START_TEST(compressed_inputs) {
  size_t n;
  char *plain = many_rows(20000, &n);
  static const char *const filters[] = {"gzip", "xz", "zstd"};
  for (size_t f = 0; f < 3; f++) {
    size_t clen;
    void *packed = tt_compress(plain, n, filters[f], &clen);
    mg_text_dataset_free(&d);
    ck_assert_int_eq(tt_load(packed, clen, "big.jsonl", NULL, &lim, &d, &err), MG_OK);
    ck_assert_str_eq(d.filter, filters[f]);
    ck_assert_uint_eq(d.rows, 20000);
    ck_assert_uint_eq(d.bytes, n);
    for (uint64_t i = 0; i < d.rows; i += 997) {
      char want[64];
      snprintf(want, sizeof want, "item %d", (int)i);
      ASSERT_F(i, INSTRUCTION, want);
    }
    ASSERT_F(19999, INSTRUCTION, "item 19999");
    free(packed);
  }
  free(plain);
}
END_TEST

START_TEST(truncated_gzip) {
  size_t n, clen;
  char *plain = many_rows(20000, &n);
  void *packed = tt_compress(plain, n, "gzip", &clen);
  mg_text_dataset_free(&d);
  int rc = tt_load(packed, clen / 2, "cut.jsonl.gz", NULL, &lim, &d, &err);
  ck_assert_int_eq(rc, MG_ERR_FORMAT);
  ck_assert_msg(strstr(err.msg, "cut.jsonl.gz") && strstr(err.msg, "truncated"), "%s", err.msg);
  free(packed);
  free(plain);
}
END_TEST

START_TEST(bomb_stopped_at_ratio) {
  size_t n = 64 * MG_MIB, clen;
  char *plain = malloc(n);
  ck_assert_ptr_nonnull(plain);
  memset(plain, '\n', n); /* blank lines: nothing but the limit stops it */
  void *packed = tt_compress(plain, n, "gzip", &clen);
  free(plain);
  mg_text_dataset_free(&d);
  int rc = tt_load(packed, clen, "bomb.jsonl.gz", NULL, &lim, &d, &err);
  ck_assert_int_eq(rc, MG_ERR_LIMIT);
  ck_assert_msg(strstr(err.msg, "bomb.jsonl.gz") && strstr(err.msg, "compression ratio"), "%s",
                err.msg);
  /* The size limit applies to plain files too. */
  lim.value[MG_LIMIT_DATASET_BYTES] = 1000;
  mg_text_dataset_free(&d);
  size_t len;
  char *rows = many_rows(100, &len);
  rc = tt_load(rows, len, "large.jsonl", NULL, &lim, &d, &err);
  ck_assert_int_eq(rc, MG_ERR_LIMIT);
  ck_assert_ptr_nonnull(strstr(err.msg, "dataset-bytes"));
  free(rows);
  free(packed);
}
END_TEST

/* One row of `size` bytes in each format between two ordinary rows. */
static void huge_row(const char *fmt, size_t size, int want_bad) {
  size_t cap = size + 256;
  char *s = malloc(cap), *big = malloc(size + 1);
  ck_assert(s && big);
  size_t fill = size;
  const char *name;
  int n;
  if (!strcmp(fmt, "csv")) {
    fill -= strlen("x,1") - 1; /* the record "x<fill>,1" is size bytes */
    memset(big, 'x', fill);
    big[fill] = '\0';
    name = "h.csv";
    n = snprintf(s, cap, "text,label\na,0\n%s,1\nb,0\n", big);
  } else {
    fill -= strlen("{\"text\":\"\",\"label\":1}");
    memset(big, 'x', fill);
    big[fill] = '\0';
    int array = !strcmp(fmt, "json");
    name = array ? "h.json" : "h.jsonl";
    n = snprintf(
        s, cap,
        array ? "[{\"text\":\"a\",\"label\":0},{\"text\":\"%s\",\"label\":1},{\"text\":\"b\","
                "\"label\":0}]"
              : "{\"text\":\"a\",\"label\":0}\n{\"text\":\"%s\",\"label\":1}\n{\"text\":"
                "\"b\",\"label\":0}\n",
        big);
  }
  mg_text_dataset_free(&d);
  ck_assert_int_eq(tt_load(s, (size_t)n, name, NULL, &lim, &d, &err), MG_OK);
  ck_assert_uint_eq(d.rows, 3);
  ck_assert_msg(tt_bad(&d, 1) == want_bad, "%s: %zu-byte row", fmt, size);
  ASSERT_F(0, TEXT, "a");
  ASSERT_F(2, TEXT, "b");
  if (want_bad)
    ck_assert_ptr_nonnull(strstr(d.bad[0].reason, "text-row-bytes"));
  else
    ck_assert_uint_eq(strlen(F(1, TEXT)), fill);
  free(s);
  free(big);
}

START_TEST(rows_at_the_row_limit) {
  /* Past the read window's first chunk, so the window grows and skips. */
  lim.value[MG_LIMIT_TEXT_ROW_BYTES] = 3 * MG_MIB;
  static const char *const fmts[] = {"jsonl", "csv", "json"};
  for (int i = 0; i < 3; i++) {
    huge_row(fmts[i], 3 * MG_MIB, 0);
    huge_row(fmts[i], 3 * MG_MIB + 1, 1);
    huge_row(fmts[i], 9 * MG_MIB, 1);
  }
}
END_TEST

START_TEST(mapped_text_over_the_limit) {
  /* 150 reals of 6 bytes print back as 23 bytes each: 3,450 bytes of label
   * from a 960-byte row, over twice a row limit of 1,000. */
  lim.value[MG_LIMIT_TEXT_ROW_BYTES] = 1000;
  char row[2048] = "{\"text\": \"t\", \"label\": [";
  for (int i = 0; i < 150; i++)
    strcat(row, i ? ",1e300" : "1e300");
  strcat(row, "]}\n{\"text\": \"next\", \"label\": 1}\n");
  ck_assert_uint_lt(strchr(row, '\n') - row, 1000);
  ck_assert_int_eq(load(row, "m.jsonl", NULL), MG_OK);
  ck_assert_uint_eq(d.rows, 2);
  ck_assert(tt_bad(&d, 0));
  ck_assert_ptr_nonnull(strstr(d.bad[0].reason, "as mapped"));
  ASSERT_F(1, TEXT, "next");
}
END_TEST

START_TEST(rows_limit) {
  lim.value[MG_LIMIT_TEXT_ROWS] = 99;
  size_t len;
  char *rows = many_rows(100, &len);
  ck_assert_int_eq(tt_load(rows, len, "r.jsonl", NULL, &lim, &d, &err), MG_ERR_LIMIT);
  ck_assert_ptr_nonnull(strstr(err.msg, "text-rows"));
  lim.value[MG_LIMIT_TEXT_ROWS] = 100;
  mg_text_dataset_free(&d);
  ck_assert_int_eq(tt_load(rows, len, "r.jsonl", NULL, &lim, &d, &err), MG_OK);
  free(rows);
}
END_TEST

START_TEST(format_by_name) {
  ck_assert_int_eq(mg_text_format_of_name("a/b.jsonl"), MG_TEXT_FORMAT_JSONL);
  ck_assert_int_eq(mg_text_format_of_name("b.ndjson.zst"), MG_TEXT_FORMAT_JSONL);
  ck_assert_int_eq(mg_text_format_of_name("b.CSV.gz"), MG_TEXT_FORMAT_CSV);
  ck_assert_int_eq(mg_text_format_of_name("b.tsv.xz"), MG_TEXT_FORMAT_TSV);
  ck_assert_int_eq(mg_text_format_of_name("b.json"), MG_TEXT_FORMAT_JSON);
  ck_assert_int_eq(mg_text_format_of_name(".json"), MG_TEXT_FORMAT_AUTO);
  ck_assert_int_eq(mg_text_format_of_name("model.onnx"), MG_TEXT_FORMAT_AUTO);
  ck_assert_int_eq(mg_text_format_of_name("x.gz"), MG_TEXT_FORMAT_AUTO);
  /* Unknown names: JSON is recognised by its first byte, anything else is
   * an error asking for the format. */
  ck_assert_int_eq(load("[{\"text\":\"a\"}]", "data.txt", NULL), MG_OK);
  ck_assert_int_eq(d.format, MG_TEXT_FORMAT_JSON);
  ck_assert_int_eq(load("a,b\n1,2\n", "data.txt", NULL), MG_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(err.msg, "data.txt"));
}
END_TEST

START_TEST(text_read_service) {
  size_t len;
  char *rows = many_rows(1000, &len);
  strcpy(rows + len, "not json\n");
  ck_assert_int_eq(tt_load(rows, len + 9, "svc.jsonl", NULL, &lim, &d, &err), MG_OK);
  mg_text_env te = {0};
  ck_assert_int_eq(mg_text_env_adopt(&te, "train", "data/svc.jsonl", 1, &d, &err), MG_OK);
  ck_assert_uint_eq(mg_text_env_count(&te), 1);
  mg_text_info info;
  ck_assert_int_eq(mg_text_env_info(&te, 0, &info), MG_OK);
  ck_assert_str_eq(info.name, "train");
  ck_assert_str_eq(info.path, "data/svc.jsonl");
  ck_assert_str_eq(info.format, "jsonl");
  ck_assert_uint_eq(info.count, 1001);
  ck_assert_uint_eq(info.bad_rows, 1);
  ck_assert_uint_eq(info.untrusted, 1);
  ck_assert_int_eq(info.kind, MG_TEXT_INSTRUCTION);
  ck_assert_int_eq(mg_text_env_info(&te, 1, &info), MG_ERR_NOT_FOUND);

  mg_text_row r[4];
  for (int i = 0; i < 4; i++)
    r[i].struct_size = sizeof r[i];
  ck_assert_int_eq(mg_text_env_read(&te, 0, 998, 3, r), MG_OK);
  ck_assert_uint_eq(r[0].index, 998);
  ck_assert_str_eq(r[0].instruction, "item 998");
  ck_assert_ptr_null(r[0].text);
  ck_assert_uint_eq(r[2].bad, 1);
  ck_assert_ptr_null(r[2].instruction);
  ck_assert_int_eq(mg_text_env_read(&te, 0, 998, 4, r), MG_ERR_ARGS); /* past the end */
  ck_assert_int_eq(mg_text_env_read(&te, 0, UINT64_MAX, 2, r), MG_ERR_ARGS);
  ck_assert_int_eq(mg_text_env_read(&te, 1, 0, 1, r), MG_ERR_NOT_FOUND);
  /* A larger element (a later minor's plugin): the stride is its size. */
  struct {
    mg_text_row row;
    uint64_t later;
  } big[2];
  big[0].row.struct_size = big[1].row.struct_size = sizeof big[0];
  big[0].later = big[1].later = 77;
  ck_assert_int_eq(mg_text_env_read(&te, 0, 5, 2, &big[0].row), MG_OK);
  ck_assert_str_eq(big[1].row.instruction, "item 6");
  ck_assert_uint_eq(big[1].later, 77);
  r[0].struct_size = 8; /* smaller than the 1.1 layout */
  ck_assert_int_eq(mg_text_env_read(&te, 0, 0, 1, r), MG_ERR_ABI);
  mg_text_env_free(&te);
  free(rows);
}
END_TEST

/* Parses a descriptor; returns the code, the message in err. */
static int descriptor(const char *json, mg_descriptor *desc) {
  mg_descriptor_init(desc);
  mg_err_clear(&err);
  return mg_descriptor_parse(desc, json, strlen(json), "modelgate.json", &lim, &err);
}

START_TEST(descriptor_text_block) {
  mg_descriptor desc;
  ck_assert_int_eq(
      descriptor("{\"text\": {\"sft\": {\"path\": \"./data//sft.jsonl\", \"kind\": "
                 "\"instruction\", \"format\": \"jsonl\", \"fields\": {\"output\": "
                 "\"answer\", \"messages\": \"dialog\"}}, \"b\": {\"path\": \"b.csv\"}}}",
                 &desc),
      MG_OK);
  ck_assert(desc.has_text);
  ck_assert_uint_eq(desc.text_sets.count, 2);
  const mg_text_ref *t = &desc.text_sets.items[0];
  ck_assert_str_eq(t->name, "sft");
  ck_assert_str_eq(t->path, "data/sft.jsonl"); /* normalised */
  ck_assert_int_eq(t->opt.kind, MG_TEXT_INSTRUCTION);
  ck_assert_int_eq(t->opt.format, MG_TEXT_FORMAT_JSONL);
  ck_assert_str_eq(t->opt.fields.name[MG_TF_OUTPUT], "answer");
  ck_assert_str_eq(t->opt.fields.name[MG_TEXT_SLOT_CHAT], "dialog");
  ck_assert_ptr_null(t->opt.fields.name[MG_TF_TEXT]);
  ck_assert_int_eq(desc.text_sets.items[1].opt.kind, MG_TEXT_UNKNOWN);
  ck_assert_uint_eq(desc.n_unknown, 0);
  mg_descriptor_free(&desc);

  static const char *const bad[][2] = {
      {"{\"text\": []}", "text: expected an object"},
      {"{\"text\": {\"a b\": {\"path\": \"x.jsonl\"}}}", "text.a b: a dataset name"},
      {"{\"text\": {\"a\": {\"kind\": \"instruction\"}}}", "text.a: \"path\" is required"},
      {"{\"text\": {\"a\": {\"path\": \"../x.jsonl\"}}}", "'..'"},
      {"{\"text\": {\"a\": {\"path\": \"x\", \"kind\": \"chat\"}}}", "text.a.kind: expected"},
      {"{\"text\": {\"a\": {\"path\": \"x\", \"format\": \"xml\"}}}", "text.a.format: expected"},
      {"{\"text\": {\"a\": {\"path\": \"x\", \"fields\": {\"body\": \"y\"}}}}",
       "text.a.fields.body: unknown field"},
      {"{\"text\": {\"a\": {\"path\": \"x\", \"fields\": {\"text\": \"\"}}}}",
       "text.a.fields.text: expected a non-empty string"},
      {"{\"text\": {\"a\": {\"path\": \"x\", \"size\": 3}}}", "text.a.size: unknown key"},
      {"{\"text\": {\"a\": {\"path\": \"x\"}, \"b\": {\"path\": \"./x\"}}}",
       "text.b.path: names the same file"},
      {"{\"provenance\": [{\"origin\": \"o\", \"sha256\": "
       "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822"
       "cd15d6c15b0f00a08\", \"collected\": \"c\", \"source\": \"web\"}]}",
       "provenance[0].source: expected"}};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    ck_assert_msg(descriptor(bad[i][0], &desc) == MG_ERR_FORMAT, "case %zu accepted", i);
    ck_assert_msg(strstr(err.msg, "modelgate.json") && strstr(err.msg, bad[i][1]), "case %zu: %s",
                  i, err.msg);
    mg_descriptor_free(&desc);
  }
}
END_TEST

/* A package of the given depth-0 files, resolved without a descriptor. */
static void convention(const char *const *paths, size_t n, mg_package *pkg) {
  mg_package_init(pkg);
  for (size_t i = 0; i < n; i++) {
    mg_file *f = mg_inventory_add(&pkg->inv);
    ck_assert_ptr_nonnull(f);
    f->path = strdup(paths[i]);
  }
  mg_err_clear(&err);
  ck_assert_int_eq(mg_text_package_resolve(pkg, &lim, &err), MG_OK);
}

static const char *name_of(const mg_package *pkg, const char *path) {
  for (size_t i = 0; i < pkg->text.count; i++)
    if (!strcmp(pkg->text.items[i].path, path))
      return pkg->text.items[i].name;
  return NULL;
}

START_TEST(naming_conventions) {
  mg_package pkg;
  static const char *const one[] = {"data.json"};
  convention(one, 1, &pkg);
  ck_assert_uint_eq(pkg.text.count, 1);
  ck_assert_str_eq(name_of(&pkg, "data.json"), "train"); /* a lone file is train */
  ck_assert_str_eq(pkg.inv.files[0].role, "text");
  mg_package_free(&pkg);

  static const char *const several[] = {"train.jsonl.gz", "data/test.csv", "config.json",
                                        "weights.bin",    "x y.tsv",       "a.tsv",
                                        "a.jsonl"};
  convention(several, 7, &pkg);
  ck_assert_uint_eq(pkg.text.count, 5); /* not config.json (.json beside others), not .bin */
  ck_assert_str_eq(name_of(&pkg, "train.jsonl.gz"), "train");
  ck_assert_str_eq(name_of(&pkg, "data/test.csv"), "test");
  ck_assert_str_eq(name_of(&pkg, "x y.tsv"), "text-3"); /* not a valid name */
  ck_assert_str_eq(name_of(&pkg, "a.tsv"), "text-4");   /* stems collide */
  ck_assert_str_eq(name_of(&pkg, "a.jsonl"), "text-5");
  ck_assert_ptr_null(name_of(&pkg, "config.json"));
  ck_assert_str_eq(pkg.inv.files[2].role, "other");
  mg_package_free(&pkg);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("text");
  TCase *tc = tcase_create("reader");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, utf8_validation);
  tcase_add_test(tc, jsonl_classification);
  tcase_add_test(tc, jsonl_bad_rows_named);
  tcase_add_test(tc, csv_quoting);
  tcase_add_test(tc, tsv_and_overrides);
  tcase_add_test(tc, csv_header_problems);
  tcase_add_test(tc, json_array_streamed);
  tcase_add_test(tc, json_array_structure_errors);
  tcase_add_test(tc, chat_turns);
  tcase_add_test(tc, preference_rows);
  tcase_add_test(tc, compressed_inputs);
  tcase_add_test(tc, truncated_gzip);
  tcase_add_test(tc, bomb_stopped_at_ratio);
  tcase_add_test(tc, rows_at_the_row_limit);
  tcase_add_test(tc, mapped_text_over_the_limit);
  tcase_add_test(tc, rows_limit);
  tcase_add_test(tc, format_by_name);
  tcase_add_test(tc, text_read_service);
  tcase_add_test(tc, descriptor_text_block);
  tcase_add_test(tc, naming_conventions);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return mg_check_run(suite());
}
