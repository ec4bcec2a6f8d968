/* The serial-line protocol between a guest and the host harness.  The harness
 * reads these strings from this file, so they are defined here and only here. */
#ifndef IPCLAB_RESULT_H
#define IPCLAB_RESULT_H

/* One benchmark result: RESULT_BEGIN {json object} RESULT_END, on one line. */
#define RESULT_BEGIN "@@ipclab-result "
#define RESULT_END   " @@end"

/* One on-target test: "TEST <name> ok" or "TEST <name> FAIL <reason>". */
#define TEST_PREFIX  "TEST "

/* The first line the kernel prints once it runs in long mode. */
#define BANNER_PREFIX "ipclab: variant "

#endif
