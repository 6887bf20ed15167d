/* The problem list of the model-format parsers (mfissue.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfissue.h"

void mf_init(mf_list *l, const char *format) {
  memset(l, 0, sizeof *l);
  l->format = format;
  l->max_issues = 200;
}

void mf_free(mf_list *l) {
  for (size_t i = 0; i < l->count; i++) {
    free(l->items[i].construct);
    free(l->items[i].message);
    free(l->items[i].member);
  }
  free(l->items);
  l->items = NULL;
  l->count = l->cap = 0;
}

char *mf_quote(const char *s, size_t n, size_t cap) {
  size_t take = n < cap ? n : cap;
  char *out = malloc(take * 4 + 4);
  if (!out)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < take; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c == 0x7f || c == '\\') {
      o += (size_t)sprintf(out + o, "\\x%02x", c);
    } else {
      out[o++] = (char)c;
    }
  }
  if (take < n) {
    memcpy(out + o, "...", 3);
    o += 3;
  }
  out[o] = '\0';
  return out;
}

void mf_add(mf_list *l, mg_severity sev, mf_kind kind, const char *rule, const char *cve,
            int64_t offset, const char *construct, const char *fmt, ...) {
  if (l->nomem)
    return;
  if (l->count >= l->max_issues) {
    l->dropped++;
    return;
  }
  if (l->count == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    mf_issue *grown = realloc(l->items, cap * sizeof *grown);
    if (!grown) {
      l->nomem = 1;
      return;
    }
    l->items = grown;
    l->cap = cap;
  }
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  const char *c = construct ? construct : "";
  mf_issue *it = &l->items[l->count];
  memset(it, 0, sizeof *it);
  it->severity = sev;
  it->kind = kind;
  it->rule = rule;
  it->cve = cve;
  it->offset = offset;
  it->construct = mf_quote(c, strlen(c), 300);
  it->message = mf_quote(msg, strlen(msg), sizeof msg);
  it->member = l->member ? mf_quote(l->member, strlen(l->member), 1000) : NULL;
  if (!it->construct || !it->message || (l->member && !it->member)) {
    free(it->construct);
    free(it->message);
    free(it->member);
    l->nomem = 1;
    return;
  }
  l->count++;
}

int mf_worst(const mf_list *l) {
  int w = -1;
  for (size_t i = 0; i < l->count; i++)
    if ((int)l->items[i].severity > w)
      w = (int)l->items[i].severity;
  return w;
}

size_t mf_count_rule(const mf_list *l, const char *rule) {
  size_t n = 0;
  for (size_t i = 0; i < l->count; i++)
    n += !strcmp(l->items[i].rule, rule);
  return n;
}
