/* Softmax, entropy and cross-entropy, in double where it matters. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mgd.h"

static float row_max(const float *row, size_t k) {
  float m = row[0];
  for (size_t i = 1; i < k; i++)
    if (row[i] > m)
      m = row[i];
  return m;
}

double mgd_softmax(float *row, size_t k) {
  float m = row_max(row, k);
  double s = 0;
  for (size_t i = 0; i < k; i++)
    s += exp((double)row[i] - m);
  double lse = m + log(s);
  for (size_t i = 0; i < k; i++)
    row[i] = (float)exp((double)row[i] - lse);
  return lse;
}

double mgd_entropy(const float *p, size_t k) {
  double h = 0;
  for (size_t i = 0; i < k; i++)
    if (p[i] > 0)
      h -= (double)p[i] * log((double)p[i]);
  return h;
}

double mgd_cross_entropy(const float *logits, size_t k, int32_t target) {
  float m = row_max(logits, k);
  double s = 0;
  for (size_t i = 0; i < k; i++)
    s += exp((double)logits[i] - m);
  return m + log(s) - (double)logits[target];
}

double mgd_adam_step(float *m, float *v, double g, double beta1, double beta2, double c1, double c2,
                     double lr) {
  *m = (float)(beta1 * *m + (1.0 - beta1) * g);
  *v = (float)(beta2 * *v + (1.0 - beta2) * g * g);
  return lr * (*m / c1) / (sqrt(*v / c2) + 1e-8);
}

mg_severity mgd_severity_of_p(double p_adj) {
  if (p_adj <= MGD_P_HIGH)
    return MG_SEV_HIGH;
  if (p_adj <= MGD_P_MEDIUM)
    return MG_SEV_MEDIUM;
  if (p_adj <= MGD_P_LOW)
    return MG_SEV_LOW;
  return MG_SEV_INFO;
}

void mgd_class_name(const mg_services *svc, mg_plugin_ctx *ctx, int32_t label, char *buf,
                    size_t len) {
  const char *text = svc->descriptor_json(ctx);
  json_t *doc = text ? json_loads(text, 0, NULL) : NULL;
  const char *name = json_string_value(
      json_array_get(json_object_get(doc, "classes"), (size_t)(label < 0 ? 0 : label)));
  if (name && label >= 0)
    snprintf(buf, len, "class %d (%s)", label, name);
  else
    snprintf(buf, len, "class %d", label);
  json_decref(doc);
}
