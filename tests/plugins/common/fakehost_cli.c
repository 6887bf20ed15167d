/* mg-fakehost: runs one plugin module on a directory through the stand-in
 * host and prints {"rc", "findings", "evidence", "logs"} as JSON. It proves
 * the built module loads by dlopen with only its entry symbol exported, and
 * lets a developer look at findings without the real host.
 * Usage: mg-fakehost PLUGIN.so DIR [KEY=VALUE]... ("descriptor=FILE" sets the
 * descriptor, "audit:PATH=FILE" an ONNX audit, "note:PATH=TEXT" a note). */
#include "config.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = NULL;
  size_t len = 0, cap = 0, k;
  char tmp[65536];
  while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) {
    if (len + k + 1 > cap) {
      cap = (len + k + 1) * 2;
      char *g = realloc(buf, cap);
      if (!g) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = g;
    }
    memcpy(buf + len, tmp, k);
    len += k;
  }
  fclose(f);
  if (buf)
    buf[len] = '\0';
  return buf;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: mg-fakehost PLUGIN.so DIR [KEY=VALUE]...\n");
    return 2;
  }
  void *so = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!so) {
    fprintf(stderr, "mg-fakehost: %s\n", dlerror());
    return 2;
  }
  mg_plugin_entry_fn entry = (mg_plugin_entry_fn)dlsym(so, MG_PLUGIN_ENTRY_SYMBOL);
  if (!entry) {
    fprintf(stderr, "mg-fakehost: %s: no %s\n", argv[1], MG_PLUGIN_ENTRY_SYMBOL);
    return 2;
  }
  fh_host *h = fh_open(argv[2]);
  if (!h) {
    fprintf(stderr, "mg-fakehost: cannot read %s\n", argv[2]);
    return 2;
  }
  for (int i = 3; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq)
      continue;
    *eq = '\0';
    const char *k = argv[i], *v = eq + 1;
    if (!strcmp(k, "descriptor")) {
      char *d = slurp(v);
      fh_set_descriptor(h, d);
      free(d);
    } else if (!strncmp(k, "audit:", 6)) {
      char *d = slurp(v);
      if (d)
        fh_set_audit(h, k + 6, d);
      free(d);
    } else if (!strncmp(k, "note:", 5)) {
      fh_set_note(h, k + 5, v);
    } else {
      fh_set_option(h, k, v);
    }
  }
  int rc = fh_run(h, entry());
  json_t *out = json_pack("{s:i, s:O, s:O, s:O}", "rc", rc, "findings", fh_findings(h), "evidence",
                          fh_evidence(h), "logs", fh_logs(h));
  char *s = json_dumps(out, JSON_INDENT(1) | JSON_SORT_KEYS);
  puts(s);
  free(s);
  json_decref(out);
  fh_close(h);
  /* Plugins may keep libxml2 state: do not dlclose before exit. */
  return rc ? 1 : 0;
}
