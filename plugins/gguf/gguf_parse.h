/* A GGUF file (llama.cpp, versions 1 to 3, either byte order) read with
 * every count, length and offset checked against the bytes: header,
 * metadata key/values, tensor infos, alignment, tensor data in the file.
 * String metadata, tokenizer.chat_template first, is matched against the
 * rules list (rules/gguf-template.xml) for Jinja template injection. */
#ifndef MG_GGUF_PARSE_H
#define MG_GGUF_PARSE_H

#include <stdint.h>

#include "mfissue.h"
#include "mflist.h"

/* "GGUF" at offset 0. */
int gguf_magic(const uint8_t *data, uint64_t size);
/* Records every problem in out. rules may be NULL (structure only). */
void gguf_check(const uint8_t *data, uint64_t size, const mf_rules *rules, mf_list *out);

#endif
