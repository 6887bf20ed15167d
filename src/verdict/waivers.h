/* The reviewer's waivers (--waivers FILE, docs/waivers.md): parsed and
 * checked in full before anything is unpacked, then applied to the findings
 * of one scan. A waiver that has expired, is for another package digest or
 * matches nothing waives nothing and is reported as such. */
#ifndef MG_WAIVERS_H
#define MG_WAIVERS_H

#include <stddef.h>

#include "base/diag.h"
#include "base/limit_table.h"
#include "results.h"

typedef struct mg_waivers {
  char *path;
  mg_waiver *items;
  size_t count;
} mg_waivers;

/* Parses a waivers document of len bytes; name is used in errors. On
 * error err says "<name>: <where>: <problem>" and *out is empty. */
int mg_waivers_parse(const char *text, size_t len, const char *name, mg_waivers *out, mg_err *err);
/* Reads and parses path, at most the waivers-bytes limit. */
int mg_waivers_load(const char *path, const mg_limits *lim, mg_waivers *out, mg_err *err);
void mg_waivers_free(mg_waivers *w);

/* Marks the findings of r that w waives and records what every waiver did
 * (r->waivers). today is "YYYY-MM-DD" (UTC); a waiver is valid through its
 * expires date. May be called again after findings were added: it starts
 * over. */
int mg_waivers_apply(const mg_waivers *w, const char *today, mg_results *r);
/* Today's date in UTC as YYYY-MM-DD. */
void mg_waivers_today(char out[11]);

#endif
