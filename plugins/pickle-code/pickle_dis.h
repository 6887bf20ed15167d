/* A pickle disassembler that never executes anything: it decodes every
 * opcode of protocols 0 to 5, simulates the stack and the memo just enough
 * to resolve what each import names and which imports get called, and
 * stops at STOP, at an undecodable byte or at the end of the data. */
#ifndef MG_PICKLE_DIS_H
#define MG_PICKLE_DIS_H

#include <stddef.h>
#include <stdint.h>

/* How an import was written. */
typedef enum mg_pk_via {
  MG_PK_GLOBAL,       /* 'c' module\nname\n */
  MG_PK_STACK_GLOBAL, /* 0x93, operands from the stack */
  MG_PK_INST,         /* 'i' module\nname\n, also calls it */
  MG_PK_EXT           /* EXT1/2/4: an extension-registry code */
} mg_pk_via;

/* One distinct import (same via class, module and name are merged). */
typedef struct mg_pk_import {
  char *module;    /* printable: non-printable bytes as \xHH */
  char *name;      /* idem; NULL when unresolved */
  const char *why; /* unresolved: why the operands are not strings */
  mg_pk_via via;   /* of the first occurrence */
  uint64_t offset; /* of the first occurrence's opcode */
  uint64_t count;  /* occurrences */
  uint64_t calls;  /* REDUCE/NEWOBJ/NEWOBJ_EX/OBJ/INST/BUILD applied */
  uint64_t call_offset;
  const char *call_op; /* opcode name of the first call, or NULL */
} mg_pk_import;

/* Resource caps (the host's pickle-stack, pickle-memo and pickle-imports
 * limits); a pickle that exceeds one is reported as malformed and the
 * decoding goes on with what it can still see. */
typedef struct mg_pk_limits {
  size_t max_stack;   /* items on the simulated stack */
  size_t max_memo;    /* memo entries */
  size_t max_imports; /* distinct imports kept */
} mg_pk_limits;

typedef struct mg_pk_result {
  mg_pk_import *imports;
  size_t n_imports;
  uint64_t end;           /* offset just past STOP, or where decoding ended */
  int complete;           /* reached STOP */
  int protocol;           /* PROTO argument, -1 without one */
  uint64_t ops;           /* opcodes decoded */
  uint64_t persids;       /* PERSID/BINPERSID (PyTorch storages) */
  uint64_t dyn_calls;     /* calls on something that is not an import */
  uint64_t joblib_arrays; /* joblib array payloads stepped over */
  uint64_t errors;        /* problems seen; the first is described below */
  uint64_t err_offset;
  char err_msg[200];
  int fatal; /* decoding could not go on (bad opcode, truncated) */
  void *priv;
} mg_pk_result;

/* Disassembles one pickle starting at data[0]. Returns 0, or -1 when memory
 * ran out (res is then still valid and must be freed). */
int mg_pickle_dis(const uint8_t *data, size_t len, const mg_pk_limits *lim, mg_pk_result *res);
void mg_pickle_result_free(mg_pk_result *res);

/* Name of an opcode byte ("GLOBAL", "STACK_GLOBAL", ...), NULL if none. */
const char *mg_pickle_opname(uint8_t op);

#endif
