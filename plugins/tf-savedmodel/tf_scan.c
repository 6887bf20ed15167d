/* Walks the nodes of a SavedModel's meta graphs or of a frozen GraphDef,
 * their function libraries included (TensorFlow 2 puts nearly every op in
 * a function called through StatefulPartitionedCall), and reports ops the
 * rules list denies or asks to review. Loading a SavedModel runs its
 * restore and initializer ops; serving runs the signatures: an op that
 * reads or writes files or calls Python runs then. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tf_graph.pb-c.h"
#include "tf_scan.h"

typedef struct walk {
  const mf_rules *rules;
  mf_list *out;
  uint64_t nodes, functions;
} walk;

static const char *attr_string(const Mgtf__NodeDef *n, const char *key, size_t *len) {
  for (size_t i = 0; i < n->n_attr; i++) {
    const Mgtf__AttrEntry *e = n->attr[i];
    if (e->key && !strcmp(e->key, key) && e->value && e->value->has_s) {
      *len = e->value->s.len;
      return (const char *)e->value->s.data;
    }
  }
  return NULL;
}

static void check_node(walk *w, const Mgtf__NodeDef *n, const char *where) {
  w->nodes++;
  if (!n->op || !w->rules)
    return;
  const mf_rule *r = mf_rules_classify(w->rules, n->op, strlen(n->op));
  if (!r || r->cls == MF_ALLOW)
    return;
  char *op = mf_quote(n->op, strlen(n->op), 80);
  char *name = mf_quote(n->name ? n->name : "", strlen(n->name ? n->name : ""), 120);
  char construct[400], extra[400];
  snprintf(construct, sizeof construct, "op %s (node '%s' %s)", op ? op : "?", name ? name : "?",
           where);
  extra[0] = '\0';
  size_t tl = 0;
  const char *token = attr_string(n, "token", &tl);
  if (token) {
    char *q = mf_quote(token, tl, 120);
    snprintf(extra, sizeof extra, " Its token names the registered Python function '%s'.",
             q ? q : "?");
    free(q);
  }
  mf_add(w->out, (mg_severity)r->severity, r->cls == MF_DENY ? MF_CODE : MF_SUSPICIOUS,
         r->cls == MF_DENY ? "tf-savedmodel.denied-op" : "tf-savedmodel.review-op", r->cve, -1,
         construct,
         "The graph holds the TensorFlow op %s: %s.%s It runs when the graph runs "
         "(loading a SavedModel runs its restore and initializer ops).",
         op ? op : "?", r->why, extra);
  free(op);
  free(name);
}

static void check_graph(walk *w, const Mgtf__GraphDef *g, const char *where) {
  char buf[300];
  for (size_t i = 0; i < g->n_node && !w->out->nomem; i++)
    check_node(w, g->node[i], where);
  if (!g->library)
    return;
  for (size_t f = 0; f < g->library->n_function && !w->out->nomem; f++) {
    const Mgtf__FunctionDef *fn = g->library->function[f];
    const char *fname = fn->signature && fn->signature->name ? fn->signature->name : "?";
    char *q = mf_quote(fname, strlen(fname), 120);
    snprintf(buf, sizeof buf, "in function '%s'", q ? q : "?");
    free(q);
    w->functions++;
    for (size_t i = 0; i < fn->n_node_def && !w->out->nomem; i++)
      check_node(w, fn->node_def[i], buf);
  }
}

static int is_saved_model_name(const char *path) {
  const char *b = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  return !strcmp(b, "saved_model.pb");
}

void tf_check(const char *path, const uint8_t *data, uint64_t size, const mf_rules *rules,
              mf_list *out) {
  if (size > TF_MAX_PROTO) {
    mf_add(out, MG_SEV_MEDIUM, MF_MALFORMED, "tf-savedmodel.protobuf", NULL, -1, "graph",
           "The file has %llu bytes, above protobuf's 2 GiB message limit: TensorFlow cannot "
           "read it and it was not inspected.",
           (unsigned long long)size);
    return;
  }
  walk w = {rules, out, 0, 0};
  Mgtf__SavedModel *sm = NULL;
  Mgtf__GraphDef *gd = NULL;
  if (is_saved_model_name(path)) {
    sm = mgtf__saved_model__unpack(NULL, (size_t)size, data);
    if (!sm)
      gd = mgtf__graph_def__unpack(NULL, (size_t)size, data);
  } else {
    gd = mgtf__graph_def__unpack(NULL, (size_t)size, data);
    if (!gd)
      sm = mgtf__saved_model__unpack(NULL, (size_t)size, data);
  }
  if (!sm && !gd) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "tf-savedmodel.protobuf", NULL, -1, "graph",
           "The file is neither a SavedModel nor a GraphDef protobuf that decodes: damaged, "
           "truncated or not TensorFlow; TensorFlow would refuse it or read something else.");
    return;
  }
  if (sm) {
    if (!sm->n_meta_graphs)
      mf_add(out, MG_SEV_MEDIUM, MF_MALFORMED, "tf-savedmodel.empty", NULL, -1, "SavedModel",
             "The SavedModel has no meta graph: there is nothing to load, so what is served "
             "comes from elsewhere.");
    for (size_t i = 0; i < sm->n_meta_graphs && !out->nomem; i++) {
      const Mgtf__MetaGraphDef *mg = sm->meta_graphs[i];
      char where[200];
      snprintf(where, sizeof where, "in meta graph %zu", i);
      if (mg->graph_def)
        check_graph(&w, mg->graph_def, where);
    }
    mgtf__saved_model__free_unpacked(sm, NULL);
  } else {
    check_graph(&w, gd, "in the graph");
    mgtf__graph_def__free_unpacked(gd, NULL);
  }
}
