# The Linux host baselines: build/host-bench/ipcbench (bench/host/*.c).
#
#   make host-bench              build it
#   make host-bench-run          build and run the whole matrix
#   make host-bench-test         build and run tests/hostbench/test_ipcbench.py
#
# PAPI is optional.  HOST_PAPI=auto (the default) uses it when <papi.h> and -lpapi work,
# HOST_PAPI=n builds without it.  The choice is kept in $(HOST_BENCH_DIR)/counters, so that
# installing or removing libpapi-dev rebuilds the program.  Nothing here runs unless a
# host-bench target is asked for.

HOST_PAPI      ?= auto
HOST_BENCH_DIR ?= build/host-bench
HOST_BENCH     := $(HOST_BENCH_DIR)/ipcbench

ifeq ($(filter $(HOST_PAPI),auto n),)
$(error HOST_PAPI must be one of: auto n (not '$(HOST_PAPI)'))
endif

HOST_BENCH_CFLAGS := -std=gnu11 -O2 -g $(WARN) -Iinclude -Ibench/host
HOST_BENCH_SRC    := $(filter-out bench/host/counters_%.c,$(wildcard bench/host/*.c))
HOST_BENCH_DEPS   := $(wildcard bench/host/*.c bench/host/*.h) include/ipclab/result.h \
                     bench/host/host.mk

# "papi" if a program using PAPI compiles and links here, else "none".
host_bench_probe = printf '\#include <papi.h>\nint main(void) { return PAPI_is_initialized(); }\n' | \
	$(CC) -x c - -lpapi -o /dev/null >/dev/null 2>&1 && echo papi || echo none

.PHONY: host-bench host-bench-run host-bench-test host-bench-always
host-bench: $(HOST_BENCH)

host-bench-run: $(HOST_BENCH)
	$(Q)$(HOST_BENCH)

host-bench-test:
	$(Q)$(PYTHON) -m unittest tests.hostbench.test_ipcbench

# Rewritten only when the choice changes.
$(HOST_BENCH_DIR)/counters: host-bench-always
	@mkdir -p $(@D)
	$(Q)c=$$($(if $(filter n,$(HOST_PAPI)),echo none,$(host_bench_probe))); \
	  [ "$$(cat $@ 2>/dev/null)" = "$$c" ] || echo "$$c" > $@

$(HOST_BENCH): $(HOST_BENCH_DEPS) $(HOST_BENCH_DIR)/counters
	$(SAY) "  HOSTCC $@ (counters: $$(cat $(HOST_BENCH_DIR)/counters))"
	$(Q)c=$$(cat $(HOST_BENCH_DIR)/counters); \
	  $(CC) $(HOST_BENCH_CFLAGS) -o $@ $(HOST_BENCH_SRC) bench/host/counters_$$c.c \
	    $$([ $$c = papi ] && echo -lpapi) -lrt -lm
