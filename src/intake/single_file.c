/* Single-file packages, recognised by name. */
#include "config.h"

#include "single_file.h"

#include "text/text_dataset.h"

int mg_single_file_package(const char *path) {
  return mg_text_format_of_name(path) != MG_TEXT_FORMAT_AUTO;
}
