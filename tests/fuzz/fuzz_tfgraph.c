/* libFuzzer harness for the TensorFlow graph reader
 * (plugins/tf-savedmodel/tf_scan.c): the input is tried as a SavedModel
 * and as a frozen GraphDef, with the shipped op rules. */
#include "config.h"

#include <stdint.h>

#include "fuzz_format.h"
#include "tf_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const names[] = {"saved_model.pb", "frozen.pb"};
  for (int i = 0; i < 2; i++) {
    mf_list l;
    mf_init(&l, "TensorFlow graph");
    tf_check(names[i], data, size, fuzz_format_rules("tf-ops.xml"), &l);
    fuzz_format_check(&l, "tf-savedmodel.", size);
    mf_free(&l);
  }
  return 0;
}
