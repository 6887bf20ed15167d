/* Draws the calibration and scan histograms into a CHW float image; the
 * host encodes it as PNG. Densities, not counts, so sets of different sizes
 * compare. */
#include <stdio.h>
#include <stdlib.h>

#include "strip_plot.h"

#define BAR_W 3 /* pixels per set per bin */
#define PLOT_H 96
#define MARGIN 4

static void put(float *px, uint32_t h, uint32_t w, uint32_t y, uint32_t x, const float rgb[3]) {
  if (y >= h || x >= w)
    return;
  for (int c = 0; c < 3; c++)
    px[(size_t)c * h * w + (size_t)y * w + x] = rgb[c];
}

int strip_plot_attach(const mg_services *svc, mg_plugin_ctx *ctx, const char *name,
                      const uint64_t *ref, const uint64_t *set, int bins, double hi,
                      double threshold, const char *set_name) {
  uint32_t w = (uint32_t)(bins * 2 * BAR_W + 2 * MARGIN), h = PLOT_H + 2 * MARGIN;
  float *px = malloc((size_t)3 * h * w * sizeof *px);
  if (!px)
    return MG_ERR_NOMEM;
  for (size_t i = 0; i < (size_t)3 * h * w; i++)
    px[i] = 1.0f;
  uint64_t nr = 0, ns = 0;
  double dmax = 0;
  for (int b = 0; b < bins; b++) {
    nr += ref[b];
    ns += set[b];
  }
  for (int b = 0; b < bins; b++) {
    double a = nr ? (double)ref[b] / (double)nr : 0, c = ns ? (double)set[b] / (double)ns : 0;
    if (a > dmax)
      dmax = a;
    if (c > dmax)
      dmax = c;
  }
  static const float blue[3] = {0.2f, 0.35f, 0.8f}, red[3] = {0.85f, 0.2f, 0.15f},
                     black[3] = {0, 0, 0}, grey[3] = {0.6f, 0.6f, 0.6f};
  for (int b = 0; b < bins && dmax > 0; b++) {
    double d[2] = {nr ? (double)ref[b] / (double)nr : 0, ns ? (double)set[b] / (double)ns : 0};
    for (int s = 0; s < 2; s++) {
      uint32_t bar = (uint32_t)(d[s] / dmax * PLOT_H + 0.5);
      if (d[s] > 0 && bar == 0)
        bar = 1; /* a nonempty bin stays visible */
      for (uint32_t x = 0; x < BAR_W; x++)
        for (uint32_t y = 0; y < bar; y++)
          put(px, h, w, MARGIN + PLOT_H - 1 - y, (uint32_t)(MARGIN + (b * 2 + s) * BAR_W) + x,
              s ? red : blue);
    }
  }
  for (uint32_t x = MARGIN; x < w - MARGIN; x++)
    put(px, h, w, MARGIN + PLOT_H, x, grey);
  if (hi > 0 && threshold >= 0 && threshold <= hi) {
    uint32_t tx = (uint32_t)(MARGIN + threshold / hi * bins * 2 * BAR_W);
    for (uint32_t y = MARGIN; y < MARGIN + PLOT_H; y++)
      put(px, h, w, y, tx, black);
  }
  char caption[300];
  snprintf(caption, sizeof caption,
           "STRIP mean entropy over [0, %.2f] nats: clean reference rows (blue) and %s rows "
           "(red), as densities; black line: the threshold %.3f (rows left of it are flagged)",
           hi, set_name, threshold);
  int rc = svc->attach_image(ctx, name, caption, 3, h, w, px);
  free(px);
  return rc;
}
