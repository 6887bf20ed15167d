/* SIGINT/SIGTERM handling: the handler only records the signal; long loops
 * poll mg_interrupted() and unwind, and the workspaces registered here are
 * removed on the way out (also from an atexit hook). */
#ifndef MG_SIGNALS_H
#define MG_SIGNALS_H

void mg_signals_install(void);
/* The signal that arrived, or 0. */
int mg_interrupted(void);
void mg_signals_register_workspace(const char *root);
void mg_signals_unregister_workspace(const char *root);
/* Removes every registered workspace (atexit and fatal paths). */
void mg_signals_cleanup(void);
/* rm -r without following links or crossing mounts. */
void mg_remove_tree(const char *root);

#endif
