/* A small bar chart of two entropy histograms for the HTML report. */
#ifndef STRIP_PLOT_H
#define STRIP_PLOT_H

#include <stdint.h>

#include <modelgate/plugin.h>

/* Reference (blue) and scanned set (red) as densities side by side per
 * bin over [0, hi], a black line at the threshold; attached as `name`. */
int strip_plot_attach(const mg_services *svc, mg_plugin_ctx *ctx, const char *name,
                      const uint64_t *ref, const uint64_t *set, int bins, double hi,
                      double threshold, const char *set_name);

#endif
