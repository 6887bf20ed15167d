/* The descriptor and entry point every test plugin has, in one macro. */
#ifndef MGTEST_H
#define MGTEST_H

#include <modelgate/modelgate.h>

#define MGTEST_PLUGIN(name, description, needs, run)                                               \
  static const mg_plugin plugin = {                                                                \
      MG_PLUGIN_HEADER, name, "1.0", description, needs, NULL, NULL, NULL, NULL, run, NULL};       \
  const mg_plugin *mg_plugin_entry(void) {                                                         \
    return &plugin;                                                                                \
  }

#endif
