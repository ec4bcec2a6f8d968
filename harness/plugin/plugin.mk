# The QEMU TCG plugins: build/plugin/NAME.so from harness/plugin/NAME.c
# (footprint.c counts a marked region's instructions, memory accesses, cache
# lines and pages; cycles.c estimates its cycles with a CPU model read from a
# profile, harness/plugin/profiles/*.conf).  `make plugin` builds them all; it needs only the host's C
# compiler, not QEMU's headers (harness/plugin/qemu_plugin_api.h declares the
# part of QEMU's plugin API they use).
#
# QEMU's plugin API changed after 7.2, so the plugins are built for the API
# level of the QEMU that will load them: QEMU=PROGRAM (default $IPCLAB_QEMU,
# else qemu-system-x86_64; the harness passes its --qemu), whose version
# `python3 -m harness plugin-api` maps to a level (or refuses in one line).

QEMU           ?= $(or $(IPCLAB_QEMU),qemu-system-x86_64)
PLUGIN_API     := build/plugin/qemu-api
PLUGINS        := $(patsubst harness/plugin/%.c,build/plugin/%.so,$(wildcard harness/plugin/*.c))
PLUGIN_HEADERS := $(wildcard harness/plugin/*.h)
# Expanded when a plugin is compiled, after $(PLUGIN_API) is up to date.
PLUGIN_CFLAGS   = -std=gnu11 -O2 -g $(WARN) -fPIC -fvisibility=hidden -shared \
                  -DIPCLAB_QEMU_PLUGIN_API=$(shell cat $(PLUGIN_API) 2>/dev/null)

.PHONY: plugin
plugin: $(PLUGINS)

# The level of $(QEMU), asked every time; the file is rewritten, and the
# plugins rebuilt, only when the level changes.
$(PLUGIN_API): FORCE
	@mkdir -p $(@D)
	$(Q)level=$$($(PYTHON) -m harness plugin-api --qemu '$(QEMU)') || exit 1; \
		[ "$$(cat $@ 2>/dev/null)" = "$$level" ] || echo "$$level" > $@

build/plugin/%.so: harness/plugin/%.c $(PLUGIN_HEADERS) harness/plugin/plugin.mk $(PLUGIN_API)
	@mkdir -p $(@D)
	$(SAY) "  CC    $< (QEMU plugin API $(shell cat $(PLUGIN_API) 2>/dev/null))"
	$(Q)$(CC) $(PLUGIN_CFLAGS) -o $@ $< -lpthread
