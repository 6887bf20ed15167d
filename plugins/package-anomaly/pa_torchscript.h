/* TorchScript archives among the package's archive members. torch.jit.save
 * writes .py files under DIR/code/, DIR/data.pkl and DIR/constants.pkl; those .py
 * files are TorchScript that torch.jit.load compiles (Python never runs
 * them) and pickle-code's TorchScript check reads, so they are the
 * model's code, not scripts shipped beside it. */
#ifndef MG_PA_TORCHSCRIPT_H
#define MG_PA_TORCHSCRIPT_H

typedef struct pa_ts pa_ts;

pa_ts *pa_ts_new(void);
/* Notes one member of container; 0, or -1 when out of memory. */
int pa_ts_add(pa_ts *t, const char *container, const char *member);
/* Once every member is added: 1 when member is a code/ source of a
 * directory that also holds data.pkl or constants.pkl. */
int pa_ts_source(pa_ts *t, const char *container, const char *member);
void pa_ts_free(pa_ts *t);

#endif
