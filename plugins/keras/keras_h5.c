/* HDF5 is a file system in a file; its library, not this code, parses it.
 * The image is handed over read-only through the core driver, so nothing
 * touches the disk, and libhdf5's error stack printing is turned off (its
 * failures become one finding). A crash inside libhdf5 stays in the
 * plugin's child process, which the host reports as the plugin's error. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <hdf5.h>

#include "keras_config.h"
#include "keras_h5.h"

static const uint8_t sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

int keras_h5_magic(const uint8_t *data, uint64_t size) {
  /* The superblock sits at 0, 512, 1024, 2048... */
  for (uint64_t at = 0; at + 8 <= size && at <= 65536; at = at ? at * 2 : 512)
    if (!memcmp(data + at, sig, 8))
      return 1;
  return 0;
}

/* The attribute as a NUL-terminated string (to free), or NULL. */
static char *read_string_attr(hid_t loc, const char *name, size_t *len, const char **why) {
  char *out = NULL;
  hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
  hid_t type = attr >= 0 ? H5Aget_type(attr) : -1;
  hid_t space = attr >= 0 ? H5Aget_space(attr) : -1;
  *why = "cannot be opened";
  if (type < 0 || space < 0)
    goto done;
  *why = "is not a single string";
  if (H5Tget_class(type) != H5T_STRING || H5Sget_simple_extent_npoints(space) != 1)
    goto done;
  if (H5Tis_variable_str(type) > 0) {
    hid_t mem = H5Tcopy(H5T_C_S1);
    char *s = NULL;
    /* Same character set as stored (h5py writes UTF-8), or HDF5 refuses
     * the conversion. */
    if (mem >= 0 && H5Tset_size(mem, H5T_VARIABLE) >= 0 &&
        H5Tset_cset(mem, H5Tget_cset(type)) >= 0 && H5Aread(attr, mem, &s) >= 0 && s) {
      *len = strnlen(s, KERAS_MAX_CONFIG + 1);
      out = *len <= KERAS_MAX_CONFIG ? strndup(s, *len) : NULL;
      *why = out ? NULL : "is too large";
      H5free_memory(s);
    }
    if (mem >= 0)
      H5Tclose(mem);
  } else {
    size_t n = H5Tget_size(type);
    *why = "is too large";
    if (n == 0 || n > KERAS_MAX_CONFIG)
      goto done;
    out = calloc(1, n + 1);
    if (out && H5Aread(attr, type, out) < 0) {
      free(out);
      out = NULL;
      *why = "cannot be read";
    } else if (out) {
      *len = strnlen(out, n);
      *why = NULL;
    }
  }
done:
  if (space >= 0)
    H5Sclose(space);
  if (type >= 0)
    H5Tclose(type);
  if (attr >= 0)
    H5Aclose(attr);
  return out;
}

void keras_h5_check(const uint8_t *data, uint64_t size, const mf_rules *rules, mf_list *out) {
  H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
  hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  hid_t file = -1;
  if (fapl >= 0 && H5Pset_fapl_core(fapl, 1 << 20, 0) >= 0 &&
      H5Pset_file_image(fapl, (void *)data, (size_t)size) >= 0)
    file = H5Fopen("modelgate-image.h5", H5F_ACC_RDONLY, fapl);
  if (fapl >= 0)
    H5Pclose(fapl);
  if (file < 0) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "keras.hdf5", NULL, 0, "HDF5 file",
           "The HDF5 library cannot open the file: it is damaged or not HDF5, and Keras would "
           "refuse it too (or read it differently).");
    return;
  }
  if (H5Aexists(file, "model_config") > 0) {
    size_t len = 0;
    const char *why = NULL;
    char *cfg = read_string_attr(file, "model_config", &len, &why);
    if (cfg)
      keras_config_check(cfg, len, rules, out);
    else
      mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "keras.hdf5", NULL, -1, "model_config attribute",
             "The root group's model_config attribute %s.", why ? why : "cannot be read");
    free(cfg);
  }
  H5Fclose(file);
}
