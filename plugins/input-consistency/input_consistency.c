/* The input-consistency plugin (CTL-05): label-consistency's test in the
 * input space, without the model. A model that memorised flipped rows
 * pulls their features (and their predictions) towards the wrong label,
 * which blinds the model-based witnesses; the rows themselves stay what
 * they are, so their clean neighbours among the reference inputs still
 * carry the true label. The engine is plugins/label-consistency/lc_engine.c;
 * docs/detectors/input-consistency.md. */
#include "config.h"

#include <modelgate/plugin.h>

#include "lc_engine.h"

static const char *const atlas[] = {"AML.T0020", "AML.T0059", NULL};

LC_PLUGIN("input-consistency", MGDS_LAYER_INPUTS,
          "k-NN label consistency in the input space (no model) against the clean reference set; "
          "Fisher exact per label pair, Holm after Tarone",
          "Training labels against their nearest clean reference rows in the input space, "
          "without the model: flipped blocks (source -> target)",
          atlas)
