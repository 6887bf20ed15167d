/* Hydra's instantiate() imports the dotted path in `_target_` and calls it
 * with the sibling keys as arguments; NeMo's restore_from instantiates the
 * model config this way, so a .nemo whose config names os.system or
 * builtins.eval runs it when loaded (CVE-2025-23304). libyaml's event
 * parser is used rather than its document loader: aliases are counted,
 * never expanded, and memory stays bounded by the nesting depth. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "nemo_yaml.h"

#define CVE_TARGET "CVE-2025-23304"
#define MAX_DEPTH 4096
#define MAX_NODES 10000000u /* expanded nodes: a config has thousands */
#define MAX_ANCHORS 65536

/* One open mapping or sequence: in a mapping, whether the next scalar is a
 * key, and the key whose value comes next. */
typedef struct frame {
  int mapping;
  int want_key;
  char *key;
  char *anchor;   /* the container's anchor, or NULL */
  uint64_t nodes; /* nodes below it once aliases are expanded (saturating) */
} frame;

/* Anchors seen so far and the size of what they expand to. */
typedef struct anchors {
  char **name;
  uint64_t *nodes;
  size_t n, cap;
} anchors;

static uint64_t sat_add(uint64_t a, uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void anchor_set(anchors *a, const yaml_char_t *name, uint64_t nodes, mf_list *out) {
  if (!name || a->n >= MAX_ANCHORS)
    return;
  if (a->n == a->cap) {
    size_t nc = a->cap ? a->cap * 2 : 16;
    char **gn = realloc(a->name, nc * sizeof *gn);
    if (gn)
      a->name = gn;
    uint64_t *gc = gn ? realloc(a->nodes, nc * sizeof *gc) : NULL;
    if (!gc) {
      out->nomem = 1;
      return;
    }
    a->nodes = gc;
    a->cap = nc;
  }
  if (!(a->name[a->n] = strdup((const char *)name))) {
    out->nomem = 1;
    return;
  }
  a->nodes[a->n++] = nodes;
}

static uint64_t anchor_get(const anchors *a, const yaml_char_t *name) {
  for (size_t i = a->n; name && i-- > 0;)
    if (!strcmp(a->name[i], (const char *)name))
      return a->nodes[i];
  return 1;
}

static void check_target(const char *key, const char *value, size_t len, size_t line,
                         unsigned depth, const mf_rules *rules, mf_list *out) {
  char construct[400];
  char *q = mf_quote(value, len, 200);
  snprintf(construct, sizeof construct, "%s: %s (line %zu)", key, q ? q : "?", line);
  const mf_rule *r = rules ? mf_rules_classify(rules, value, len) : NULL;
  const char *who = !strcmp(key, "target") && depth == 1
                        ? "NeMo's restore_from imports the class named by the top-level target"
                        : "Hydra's instantiate() imports and calls it when the model is restored";
  if (r && r->cls == MF_ALLOW) {
    free(q);
    return;
  }
  if (r && r->cls == MF_DENY)
    mf_add(out, (mg_severity)r->severity, MF_CODE, "nemo.denied-target",
           r->cve ? r->cve : CVE_TARGET, -1, construct, "%s names %s (%s); %s.", key, q ? q : "?",
           r->why, who);
  else if (r)
    mf_add(out, (mg_severity)r->severity, MF_SUSPICIOUS, "nemo.review-target", r->cve, -1,
           construct, "%s names %s (%s); %s.", key, q ? q : "?", r->why, who);
  else
    mf_add(out,
           rules && rules->unknown_severity >= 0 ? (mg_severity)rules->unknown_severity
                                                 : MG_SEV_HIGH,
           MF_CODE, "nemo.foreign-target", CVE_TARGET, -1, construct,
           "%s names %s, outside NeMo and PyTorch; %s, so whatever it does runs then.", key,
           q ? q : "?", who);
  free(q);
}

static int python_tag(const yaml_char_t *tag) {
  return tag && (!strncmp((const char *)tag, "tag:yaml.org,2002:python/", 25) ||
                 !strncmp((const char *)tag, "!python/", 8));
}

void nemo_yaml_check(const char *text, size_t n, const mf_rules *rules, mf_list *out) {
  if (n > NEMO_MAX_YAML) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "nemo.yaml", NULL, -1, "model configuration",
           "The configuration has %zu bytes, above the %u this scanner reads.", n, NEMO_MAX_YAML);
    return;
  }
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p)) {
    out->nomem = 1;
    return;
  }
  yaml_parser_set_input_string(&p, (const unsigned char *)text, n);
  frame *st = NULL;
  unsigned depth = 0, cap = 0;
  anchors an = {NULL, NULL, 0, 0};
  int done = 0, bomb = 0;
  while (!done && !out->nomem) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&p, &ev)) {
      mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "nemo.yaml", NULL, (int64_t)p.problem_offset,
             "model configuration",
             "The configuration is not YAML a loader accepts: %s (line %zu).",
             p.problem ? p.problem : "parse error", p.problem_mark.line + 1);
      break;
    }
    const yaml_char_t *tag = ev.type == YAML_SCALAR_EVENT           ? ev.data.scalar.tag
                             : ev.type == YAML_MAPPING_START_EVENT  ? ev.data.mapping_start.tag
                             : ev.type == YAML_SEQUENCE_START_EVENT ? ev.data.sequence_start.tag
                                                                    : NULL;
    if (python_tag(tag)) {
      char *q = mf_quote((const char *)tag, strlen((const char *)tag), 120);
      mf_add(out, MG_SEV_CRITICAL, MF_CODE, "nemo.python-tag", NULL, (int64_t)ev.start_mark.index,
             q ? q : "?",
             "A Python object tag (%s): PyYAML's unsafe loaders import and call what it names.",
             q ? q : "?");
      free(q);
    }
    frame *top = depth ? &st[depth - 1] : NULL;
    switch (ev.type) {
    case YAML_STREAM_END_EVENT:
      done = 1;
      break;
    case YAML_ALIAS_EVENT: {
      uint64_t k = anchor_get(&an, ev.data.alias.anchor);
      if (top)
        top->nodes = sat_add(top->nodes, k);
      if (!bomb && (k > MAX_NODES || (top && top->nodes > MAX_NODES))) {
        bomb = 1;
        mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "nemo.yaml-aliases", NULL,
               (int64_t)ev.start_mark.index, "YAML aliases",
               "Aliases expand to more than %u nodes (a \"billion laughs\" document): PyYAML "
               "and OmegaConf expand them and exhaust memory while restoring the model.",
               MAX_NODES);
      }
      if (top && top->mapping) {
        free(top->key);
        top->key = NULL;
        top->want_key = !top->want_key;
      }
      break;
    }
    case YAML_SCALAR_EVENT:
      anchor_set(&an, ev.data.scalar.anchor, 1, out);
      if (top)
        top->nodes = sat_add(top->nodes, 1);
      if (top && top->mapping && top->want_key) {
        free(top->key);
        top->key = strndup((const char *)ev.data.scalar.value, ev.data.scalar.length);
        if (!top->key)
          out->nomem = 1;
        top->want_key = 0;
      } else if (top && top->mapping) {
        if (top->key &&
            (!strcmp(top->key, "_target_") || (!strcmp(top->key, "target") && depth == 1)))
          check_target(top->key, (const char *)ev.data.scalar.value, ev.data.scalar.length,
                       ev.start_mark.line + 1, depth, rules, out);
        free(top->key);
        top->key = NULL;
        top->want_key = 1;
      }
      break;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
      if (top && top->mapping && !top->want_key && top->key && !strcmp(top->key, "_target_"))
        mf_add(out, MG_SEV_MEDIUM, MF_MALFORMED, "nemo.target-value", NULL,
               (int64_t)ev.start_mark.index, "_target_",
               "A _target_ holds a %s, not a dotted name; Hydra would fail or a custom resolver "
               "decides what it means.",
               ev.type == YAML_MAPPING_START_EVENT ? "mapping" : "sequence");
      if (depth >= MAX_DEPTH) {
        mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "nemo.yaml", NULL, (int64_t)ev.start_mark.index,
               "model configuration", "Nested more than %d deep.", MAX_DEPTH);
        done = 1;
        break;
      }
      if (depth == cap) {
        unsigned nc = cap ? cap * 2 : 32;
        frame *g = realloc(st, nc * sizeof *g);
        if (!g) {
          out->nomem = 1;
          break;
        }
        st = g;
        cap = nc;
      }
      {
        const yaml_char_t *anc = ev.type == YAML_MAPPING_START_EVENT
                                     ? ev.data.mapping_start.anchor
                                     : ev.data.sequence_start.anchor;
        st[depth].anchor = anc ? strdup((const char *)anc) : NULL;
      }
      st[depth].mapping = ev.type == YAML_MAPPING_START_EVENT;
      st[depth].want_key = 1;
      st[depth].key = NULL;
      st[depth].nodes = 1;
      depth++;
      break;
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
      if (depth) {
        frame *f = &st[depth - 1];
        if (f->anchor)
          anchor_set(&an, (const yaml_char_t *)f->anchor, f->nodes, out);
        if (depth > 1)
          st[depth - 2].nodes = sat_add(st[depth - 2].nodes, f->nodes);
        free(f->key);
        free(f->anchor);
        depth--;
      }
      top = depth ? &st[depth - 1] : NULL;
      if (top && top->mapping && !top->want_key) {
        free(top->key);
        top->key = NULL;
        top->want_key = 1;
      }
      break;
    default:
      break;
    }
    yaml_event_delete(&ev);
  }
  while (depth) {
    free(st[--depth].key);
    free(st[depth].anchor);
  }
  free(st);
  for (size_t i = 0; i < an.n; i++)
    free(an.name[i]);
  free(an.name);
  free(an.nodes);
  yaml_parser_delete(&p);
}
