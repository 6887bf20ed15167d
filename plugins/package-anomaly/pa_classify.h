/* What a package file is, by magic bytes, name and mode bits (native
 * executable, shared object, script, executable bit on data), the notes
 * the unpacker records, and the set of paths the descriptor declares. */
#ifndef MG_PA_CLASSIFY_H
#define MG_PA_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>

typedef enum pa_kind { PA_NONE, PA_EXECUTABLE, PA_SHARED_OBJECT, PA_SCRIPT, PA_EXEC_BIT } pa_kind;

typedef struct pa_verdict {
  pa_kind kind;
  const char *what; /* "an ELF executable", "a shell script", ... */
  const char *how;  /* "magic bytes", PA_BY_NAME, "mode bits", ... */
} pa_verdict;

#define PA_BY_NAME "file name" /* how, when only the name decided */

/* data may be NULL (members known by name only); mode 0 = unknown. */
void pa_classify(const char *path, const uint8_t *data, size_t len, uint32_t mode, pa_verdict *v);

typedef struct pa_note_class {
  int severity; /* mg_severity */
  const char *rule, *title, *why;
  int code; /* about executable content (CTL-17) rather than integrity */
} pa_note_class;

pa_note_class pa_classify_note(const char *note);

typedef struct pa_declared pa_declared;
/* Paths named by modelgate.json (model, train.*, reference.*, provenance[].path). */
int pa_declared_parse(const char *json, pa_declared **out, char *err, size_t err_size);
int pa_declared_has(const pa_declared *d, const char *path);
void pa_declared_free(pa_declared *d);

#endif
