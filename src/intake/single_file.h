/* Which regular files given to `modelgate scan` are a package of one file
 * rather than an archive: a file whose name says it is a text dataset
 * (.jsonl, .csv, .tsv, .json..., optionally .gz/.xz/.zst/.bz2). Roles then
 * follow the conventions (one text file is the dataset "train"). Lone
 * model files (issue 16) are meant to join this list. */
#ifndef MG_SINGLE_FILE_H
#define MG_SINGLE_FILE_H

/* 1 when the file at path (by its name) is a package of one file. */
int mg_single_file_package(const char *path);

#endif
