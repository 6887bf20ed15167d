/* Which regular files given to `modelgate scan` are a package of one file
 * rather than an archive: a text dataset by its name (.jsonl, .csv, .tsv,
 * .json..., optionally .gz/.xz/.zst/.bz2), or a model file (issue 16):
 * safetensors, GGUF, HDF5 (.h5 Keras), pickles and legacy PyTorch files by
 * their magic bytes; zip-based models (.pt/.pth/.bin/.ckpt/.keras/.npz...)
 * and tar-based ones (.nemo) by magic and name together, since a zip or tar
 * with another name is a package archive; ONNX, TensorFlow .pb graphs and
 * the rest by name. Roles then follow the conventions (one text file is
 * the dataset "train", a lone .onnx the model). */
#ifndef MG_SINGLE_FILE_H
#define MG_SINGLE_FILE_H

#include <stddef.h>
#include <stdint.h>

/* 1 when the file at path is a package of one file. */
int mg_single_file_package(const char *path);

/* The model format of a file from its name and first bytes (head, n of
 * them; 16 suffice, 512 recognise tar), or NULL when it is none:
 * "safetensors", "gguf", "hdf5", "pickle", "pytorch-zip", "keras",
 * "nemo", "onnx", "tf-graph". */
const char *mg_model_file_kind(const char *path, const uint8_t *head, size_t n);

#endif
