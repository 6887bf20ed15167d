/* Umbrella header for plugin authors: #include <modelgate/modelgate.h>. */
#ifndef MODELGATE_MODELGATE_H
#define MODELGATE_MODELGATE_H

#include <modelgate/error.h>
#include <modelgate/plugin.h>
#include <modelgate/version.h>

#endif
