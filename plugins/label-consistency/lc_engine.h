/* The label-consistency engine (lc_engine.c), run by label-consistency in
 * the model's feature space and by input-consistency in the input space. */
#ifndef LC_ENGINE_H
#define LC_ENGINE_H

#include <modelgate/plugin.h>

#include "mgds.h"

typedef struct lc_flavour {
  const char *name;          /* the plugin's name, for options and logs */
  const char *default_layer; /* NULL: the model's feature layer; MGDS_LAYER_INPUTS */
  const char *method;        /* the evidence's one-line method */
} lc_flavour;

/* The option table both plugins share. */
#define LC_OPTIONS                                                                                 \
  MGDS_OPTIONS, {"k", MG_OPTION_INTEGER, 20, 1, 200, "clean neighbours per row"},                  \
      {"share", MG_OPTION_NUMBER, 0.8, 0.5, 1, "share of the neighbours another label must hold"}, \
  {                                                                                                \
    NULL, 0, 0, 0, 0, NULL                                                                         \
  }

/* Reads the options, loads the rows, votes, tests and emits the findings
 * and the evidence. */
int lc_engine_run(const lc_flavour *fl, const mg_plugin_option *options, const mg_services *svc,
                  mg_plugin_ctx *ctx);

/* The plugin table, its entry points and the option table of a flavour:
 * its name, default layer and evidence method (lc_flavour), its
 * description and ATLAS techniques; CTL-05 and CTL-02 both. */
#define LC_PLUGIN(name_, layer_, method_, description_, atlas_)                                    \
  static const lc_flavour lc_flavour_of_plugin = {name_, layer_, method_};                         \
  static const char *const lc_mitigations[] = {"AML.M0007", "AML.M0008", NULL};                    \
  static const char *const lc_controls[] = {"CTL-05", "CTL-02", NULL};                             \
  static const mg_plugin_option lc_option_table[] = {LC_OPTIONS};                                  \
  static int lc_run_plugin(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {              \
    (void)state;                                                                                   \
    return lc_engine_run(&lc_flavour_of_plugin, lc_option_table, svc, ctx);                        \
  }                                                                                                \
  static const mg_plugin lc_plugin = {MG_PLUGIN_HEADER,                                            \
                                      name_,                                                       \
                                      "1.0",                                                       \
                                      description_,                                                \
                                      MG_NEED_MODEL | MG_NEED_TRAIN | MG_NEED_REFERENCE,           \
                                      atlas_,                                                      \
                                      lc_mitigations,                                              \
                                      lc_controls,                                                 \
                                      NULL,                                                        \
                                      lc_run_plugin,                                               \
                                      NULL};                                                       \
  MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {                                        \
    return &lc_plugin;                                                                             \
  }                                                                                                \
  MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {                          \
    return lc_option_table;                                                                        \
  }

#endif
