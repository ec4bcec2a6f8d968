# The QEMU TCG plugin that counts a marked region's instructions, memory
# accesses, cache lines and pages (harness/plugin/footprint.c).
# `make plugin` builds build/plugin/footprint.so; it needs only the host's C
# compiler, not QEMU's headers (harness/plugin/qemu_plugin_api.h declares the
# part of the QEMU 7.2 plugin API it uses).

PLUGIN_SO     := build/plugin/footprint.so
PLUGIN_CFLAGS := -std=gnu11 -O2 -g $(WARN) -fPIC -fvisibility=hidden -shared

.PHONY: plugin
plugin: $(PLUGIN_SO)

$(PLUGIN_SO): harness/plugin/footprint.c harness/plugin/qemu_plugin_api.h harness/plugin/plugin.mk
	@mkdir -p $(@D)
	$(SAY) "  CC    $<"
	$(Q)$(CC) $(PLUGIN_CFLAGS) -o $@ $< -lpthread
