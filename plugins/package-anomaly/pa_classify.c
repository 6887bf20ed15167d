/* File classification for package-anomaly (see pa_classify.h). Magic bytes
 * win over names: a renamed ELF is still an ELF. Every header read is
 * bounds-checked against the mapped size. */
#include "config.h"

#include "pa_classify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include <modelgate/plugin.h>

static uint32_t rd(const uint8_t *p, int n, int big) {
  uint32_t v = 0;
  for (int i = 0; i < n; i++)
    v |= (uint32_t)p[big ? i : n - 1 - i] << (8 * (n - 1 - i));
  return v;
}

static uint64_t rd64(const uint8_t *p, int big) {
  uint64_t hi = rd(p + (big ? 0 : 4), 4, big), lo = rd(p + (big ? 4 : 0), 4, big);
  return hi << 32 | lo;
}

static void set(pa_verdict *v, pa_kind k, const char *what, const char *how) {
  v->kind = k;
  v->what = what;
  v->how = how;
}

/* ELF: ET_EXEC, or ET_DYN with an interpreter, is a program; other ET_DYN
 * and ET_REL are libraries/objects. */
static int elf(const uint8_t *d, size_t len, pa_verdict *v) {
  if (len < 20 || memcmp(d,
                         "\x7f"
                         "ELF",
                         4))
    return 0;
  int big = d[5] == 2, is64 = d[4] == 2;
  uint32_t type = rd(d + 16, 2, big);
  if (type == 2) {
    set(v, PA_EXECUTABLE, "an ELF executable", "magic bytes");
    return 1;
  }
  int interp = 0;
  if (type == 3) {
    uint64_t phoff = 0, phent = 0, phnum = 0;
    if (is64 && len >= 64) {
      phoff = rd64(d + 32, big);
      phent = rd(d + 54, 2, big);
      phnum = rd(d + 56, 2, big);
    } else if (!is64 && len >= 52) {
      phoff = rd(d + 28, 4, big);
      phent = rd(d + 42, 2, big);
      phnum = rd(d + 44, 2, big);
    }
    for (uint64_t i = 0; phent >= 4 && i < phnum; i++) {
      uint64_t at = phoff + i * phent;
      if (at < phoff || at > len || len - at < 4)
        break;
      if (rd(d + at, 4, big) == 3) { /* PT_INTERP */
        interp = 1;
        break;
      }
    }
  }
  if (interp)
    set(v, PA_EXECUTABLE, "an ELF executable (position independent)", "magic bytes");
  else if (type == 3)
    set(v, PA_SHARED_OBJECT, "an ELF shared object", "magic bytes");
  else
    set(v, PA_SHARED_OBJECT, "an ELF object file", "magic bytes");
  return 1;
}

static int pe(const uint8_t *d, size_t len, pa_verdict *v) {
  if (len < 0x40 || d[0] != 'M' || d[1] != 'Z')
    return 0;
  uint32_t lfanew = rd(d + 0x3c, 4, 0);
  if (lfanew > len || len - lfanew < 24 || memcmp(d + lfanew, "PE\0\0", 4))
    return 0;
  uint32_t chars = rd(d + lfanew + 22, 2, 0);
  if (chars & 0x2000)
    set(v, PA_SHARED_OBJECT, "a Windows DLL (PE)", "magic bytes");
  else
    set(v, PA_EXECUTABLE, "a Windows executable (PE)", "magic bytes");
  return 1;
}

static int macho(const uint8_t *d, size_t len, pa_verdict *v) {
  if (len < 16)
    return 0;
  uint32_t m = rd(d, 4, 1);
  int big;
  if (m == 0xfeedfaceu || m == 0xfeedfacfu)
    big = 1;
  else if (m == 0xcefaedfeu || m == 0xcffaedfeu)
    big = 0;
  else if (m == 0xcafebabeu) {
    /* Fat Mach-O counts a few architectures; a Java class has its major
     * version (>= 45) there. */
    if (rd(d + 4, 4, 1) < 20)
      set(v, PA_EXECUTABLE, "a Mach-O universal binary", "magic bytes");
    else
      set(v, PA_EXECUTABLE, "a Java class file", "magic bytes");
    return 1;
  } else {
    return 0;
  }
  uint32_t type = rd(d + 12, 4, big);
  if (type == 2)
    set(v, PA_EXECUTABLE, "a Mach-O executable", "magic bytes");
  else
    set(v, PA_SHARED_OBJECT, "a Mach-O library or bundle", "magic bytes");
  return 1;
}

static const char *ext(const char *path) {
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  const char *dot = strrchr(base, '.');
  return dot ? dot + 1 : "";
}

static int in(const char *e, const char *const *list) {
  for (; *list; list++)
    if (!strcasecmp(e, *list))
      return 1;
  return 0;
}

static int by_name(const char *path, pa_verdict *v) {
  static const char *const scripts[] = {"py",   "pyw",     "sh",    "bash", "zsh",  "ksh", "csh",
                                        "fish", "bat",     "cmd",   "ps1",  "psm1", "vbs", "vbe",
                                        "js",   "mjs",     "wsf",   "pl",   "rb",   "php", "lua",
                                        "tcl",  "command", "ipynb", NULL};
  static const char *const packages[] = {"whl", "egg", NULL};
  static const char *const programs[] = {"exe", "com", "scr", "msi", "jar", "class",
                                         "pyc", "pyo", "apk", "app", NULL};
  static const char *const libs[] = {"so", "dll", "dylib", "pyd", "node", "ocx", NULL};
  const char *e = ext(path);
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  if (in(e, scripts))
    set(v, PA_SCRIPT, "a script (by its extension)", PA_BY_NAME);
  else if (in(e, packages))
    set(v, PA_SCRIPT, "a Python package (installs and runs code)", PA_BY_NAME);
  else if (in(e, programs))
    set(v, PA_EXECUTABLE, "a program or compiled code (by its extension)", PA_BY_NAME);
  else if (in(e, libs) || strstr(base, ".so."))
    set(v, PA_SHARED_OBJECT, "a shared library (by its extension)", PA_BY_NAME);
  else
    return 0;
  return 1;
}

void pa_classify(const char *path, const uint8_t *data, size_t len, uint32_t mode, pa_verdict *v) {
  set(v, PA_NONE, "", "");
  if (data && (elf(data, len, v) || pe(data, len, v) || macho(data, len, v)))
    return;
  if (data && len >= 3 && data[0] == '#' && data[1] == '!') {
    set(v, PA_SCRIPT, "a script with an interpreter line (#!)", "magic bytes");
    return;
  }
  if (path && by_name(path, v))
    return;
  if (mode & 0111u)
    set(v, PA_EXEC_BIT, "a data file with execute permission", "mode bits");
}

pa_note_class pa_classify_note(const char *note) {
  pa_note_class c = {MG_SEV_MEDIUM, "package.unpacker-note", "Package anomaly",
                     "The unpacker flagged it; review the file.", 0};
  if (!note)
    return c;
  if (strstr(note, "beyond the depth limit")) {
    /* Evidence that could not be examined must not pass (issue 14): what
     * is inside may be code, so it counts against CTL-17 at high. */
    c.severity = MG_SEV_HIGH;
    c.rule = "package.not-inspected";
    c.title = "Nested archive not inspected (depth limit)";
    c.why = "Nothing inside it was scanned, and it may hold code: raise --limit depth=N or unpack "
            "it for review.";
    c.code = 1;
  } else if (strstr(note, "unsafe member name")) {
    c.severity = MG_SEV_HIGH;
    c.rule = "package.unsafe-member-name";
    c.title = "Unsafe member name in a nested archive";
    c.why = "Extracting it elsewhere could write outside the target directory (zip-slip).";
    c.code = 1;
  } else if (strstr(note, "is a link")) {
    c.severity = MG_SEV_HIGH;
    c.rule = "package.link-member";
    c.title = "Link inside a nested archive";
    c.why = "A link can point outside the package or alias a checked file when extracted.";
    c.code = 1;
  } else if (strstr(note, "device node")) {
    c.severity = MG_SEV_HIGH;
    c.rule = "package.special-member";
    c.title = "Device node, FIFO or socket inside a nested archive";
    c.why = "Never legitimate in a model package.";
    c.code = 1;
  } else if (strstr(note, "damaged")) {
    c.rule = "package.damaged-archive";
    c.title = "Damaged nested archive";
    c.why = "A damaged archive reads differently in different tools; what a loader sees may not "
            "be what was scanned.";
  }
  return c;
}

struct pa_declared {
  char **paths;
  size_t n;
};

static int add_path(pa_declared *d, json_t *v) {
  const char *s = json_string_value(v);
  if (!s)
    return 0;
  while (s[0] == '.' && s[1] == '/')
    s += 2;
  char **g = realloc(d->paths, (d->n + 1) * sizeof *g);
  if (!g)
    return -1;
  d->paths = g;
  if (!(d->paths[d->n] = strdup(s)))
    return -1;
  d->n++;
  return 0;
}

int pa_declared_parse(const char *json, pa_declared **out, char *err, size_t err_size) {
  *out = NULL;
  json_error_t je;
  json_t *root = json_loads(json, 0, &je);
  if (!root || !json_is_object(root)) {
    snprintf(err, err_size, "modelgate.json:%d: %s", je.line, root ? "not an object" : je.text);
    json_decref(root);
    return MG_ERR_FORMAT;
  }
  pa_declared *d = calloc(1, sizeof *d);
  int rc = d ? 0 : -1;
  static const char *const sets[] = {"train", "reference", NULL};
  if (!rc)
    rc = add_path(d, json_object_get(root, "model"));
  for (int i = 0; !rc && sets[i]; i++) {
    json_t *o = json_object_get(root, sets[i]);
    rc = add_path(d, json_object_get(o, "inputs"));
    if (!rc)
      rc = add_path(d, json_object_get(o, "labels"));
  }
  size_t k;
  json_t *p;
  json_array_foreach(json_object_get(root, "provenance"), k, p) {
    if (!rc)
      rc = add_path(d, json_object_get(p, "path"));
  }
  json_decref(root);
  if (rc) {
    pa_declared_free(d);
    snprintf(err, err_size, "out of memory");
    return MG_ERR_NOMEM;
  }
  *out = d;
  return MG_OK;
}

int pa_declared_has(const pa_declared *d, const char *path) {
  for (size_t i = 0; d && i < d->n; i++)
    if (!strcmp(d->paths[i], path))
      return 1;
  return 0;
}

void pa_declared_free(pa_declared *d) {
  if (!d)
    return;
  for (size_t i = 0; i < d->n; i++)
    free(d->paths[i]);
  free(d->paths);
  free(d);
}
