/* Helpers shared by the unsafe-artifact corpus tests: build the corpus with
 * Debian's python3 and look findings up in the fake host's output. */
#ifndef MG_CORPUS_UTIL_H
#define MG_CORPUS_UTIL_H

#include <jansson.h>

/* Runs tests/plugins/common/gen_corpus.py into a fresh directory; returns it (to
 * free) or NULL when python3 is missing (the caller skips). */
char *cu_make_corpus(void);
/* Removes a directory tree. */
void cu_remove_tree(const char *dir);
/* TOP_SRCDIR or ".". */
const char *cu_srcdir(void);
/* The rules directory of the source tree (static buffer). */
const char *cu_rules_dir(void);
/* Severity rank 0..4 of a finding's "severity". */
int cu_rank(json_t *finding);
/* Compact one-line dump of findings, for failure messages (to free). */
char *cu_dump(json_t *findings);

#endif
