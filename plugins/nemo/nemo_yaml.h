/* A NeMo model_config.yaml read event by event with libyaml: every Hydra
 * `_target_` (and NeMo's top-level `target`, the class restore_from
 * imports) checked against rules/nemo-targets.xml, Python object tags, and
 * alias counts (a billion-laughs config exhausts the loader). */
#ifndef MG_NEMO_YAML_H
#define MG_NEMO_YAML_H

#include <stddef.h>

#include "mfissue.h"
#include "mflist.h"

#define NEMO_MAX_YAML (64u << 20)

void nemo_yaml_check(const char *text, size_t n, const mf_rules *rules, mf_list *out);

#endif
