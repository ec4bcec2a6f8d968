# ipclab: one entry point.  `make help` lists the targets.
#
# A variant is a file configs/<name>.mk; `make CONFIG=<name>` builds it into
# build/<name>/ so variants live side by side.  Axes may also be given on the
# command line (make CONFIG=l4 IPC=async); BUILD_NAME=<dir> then keeps that
# build apart from the preset's, in build/<dir>/ (python3 -m harness axes).

# A preset lives in configs/ or in its model's folder, ipc-variants/<model>/configs/.
CONFIG  ?= l4
PRESET_FILES := $(wildcard configs/*.mk ipc-variants/*/configs/*.mk)
PRESETS := $(sort $(basename $(notdir $(PRESET_FILES))))
ifeq ($(filter $(CONFIG),$(PRESETS)),)
$(error unknown config '$(CONFIG)'; presets are: $(PRESETS))
endif
include $(firstword $(filter %/$(CONFIG).mk,$(PRESET_FILES)))
# The presets that include no other: one or more per model (make bench).
ROOT_PRESETS = $(sort $(foreach f,$(PRESET_FILES),$(if $(shell grep -l '^ *-\?s\?include ' $(f)),,$(basename $(notdir $(f))))))

# The axes (axes.mk, the one list of them) and the IPC models, one per
# folder of ipc-variants/.  Every axis is validated: a bad value stops the
# build with one line.
MODELS := $(sort $(notdir $(patsubst %/model.h,%,$(wildcard ipc-variants/*/model.h))))
include axes.mk
# Test only: BREAK_COPY must come from the command line, never a preset (a
# build with it goes to its own folder, build/<name>-break-copy/).
ifeq ($(origin BREAK_COPY),file)
$(error configs/$(CONFIG).mk: BREAK_COPY is a test-only knob, give it on the command line)
endif
$(foreach a,$(AXES),$(if $($(a).default),$(eval $(a) ?= $($(a).default))))
check-one-of = $(if $(filter $(2),$($(1))),,$(error configs/$(CONFIG).mk: $(1) must be one of: $(2) (not '$($(1))')))
check-range  = $(if $(shell [ "$($(1))" -ge $(2) -a "$($(1))" -le $(3) ] 2>/dev/null && echo ok),,$(error configs/$(CONFIG).mk: $(1) must be a number from $(2) to $(3) (not '$($(1))')))
check-axis   = $(if $(filter flag,$($(1).kind)),$(call check-one-of,$(1),y n),$(if $(filter choice,$($(1).kind)),$(call check-one-of,$(1),$($(1).values)),$(call check-range,$(1),$(word 1,$($(1).values)),$(word 2,$($(1).values)))))
$(foreach a,$(AXES),$(call check-axis,$(a)))
# A model that is a user library over the kernel's IPC runs over IPC=sync.
ifneq ($(IPC_LIB),none)
ifneq ($(IPC),sync)
$(error configs/$(CONFIG).mk: IPC_LIB=$(IPC_LIB) runs over IPC=sync (not '$(IPC)'))
endif
endif

BUILD_NAME ?= $(CONFIG)$(if $(filter y,$(BREAK_COPY)),-break-copy)
ifneq ($(words $(BUILD_NAME)),1)
$(error BUILD_NAME must be one directory name (not '$(BUILD_NAME)'))
endif
ifneq ($(findstring /,$(BUILD_NAME))$(filter . ..,$(BUILD_NAME)),)
$(error BUILD_NAME must be one directory name (not '$(BUILD_NAME)'))
endif
B      := build/$(BUILD_NAME)
Q      := $(if $(V),,@)
# Progress lines ("  CC  file") unless make -s or V=1.
SAY    := $(if $(V)$(findstring s,$(firstword -$(MAKEFLAGS))),@true,@echo)
PYTHON ?= python3
MODE   ?= tcg

BUILD_PACKAGES := gcc binutils make python3
RUN_PACKAGES   := qemu-system-x86
ISO_PACKAGES   := grub-pc-bin grub-common xorriso mtools

WARN   := -Wall -Wextra -Werror
COMMON := -std=gnu11 -O2 -g $(WARN) -MMD -MP -ffreestanding -fno-pie -fno-stack-protector \
          -fno-asynchronous-unwind-tables -fcf-protection=none -mgeneral-regs-only \
          -Iinclude -I$(B) -Iipc-variants/$(IPC)
KCFLAGS := $(COMMON) -mcmodel=kernel -mno-red-zone -Iarch/x86_64 -Ikernel -Iipc-variants
UCFLAGS := $(COMMON) -Iuser/lib $(if $(filter-out none,$(IPC_LIB)),-Iipc-variants/$(IPC_LIB))

# A model may build on shared parts, folders of ipc-variants/ without a
# model.h, named by `IPC_SHARED := <part> ...` in its model.mk: their .c files
# are compiled into the kernel with the model's (docs/variants.md).
IPC_SHARED :=
-include ipc-variants/$(IPC)/model.mk
$(foreach p,$(IPC_SHARED),$(if $(wildcard ipc-variants/$(p)/model.h)$(if $(wildcard ipc-variants/$(p)/.),,x),\
  $(error ipc-variants/$(IPC)/model.mk: IPC_SHARED names '$(p)', which is not a shared part (a folder of ipc-variants/ without a model.h))))
# A model's asm-offsets.c is compiled to assembly only (asm-offsets.h below).
KSRC := $(filter-out %/asm-offsets.c,$(wildcard arch/x86_64/*.S arch/x86_64/*.c kernel/*.c \
          ipc-variants/$(IPC)/*.c ipc-variants/$(IPC)/*.S $(IPC_SHARED:%=ipc-variants/%/*.c)))
KOBJ := $(patsubst %,$(B)/%.o,$(KSRC))
# The e1000 driver, user-level and (E1000_IN_KERNEL=y) in-kernel builds.
include bench/e1000/e1000.mk

ULIB_SRC := $(wildcard user/lib/*.S user/lib/*.c)
ifneq ($(IPC_LIB),none)
ULIB_SRC += $(wildcard ipc-variants/$(IPC_LIB)/*.c)
USER_SRC_DIRS += ipc-variants/$(IPC_LIB)/%
endif
ULIB_OBJ := $(patsubst %,$(B)/%.o,$(ULIB_SRC))
# Boot modules: name -> source folder.  The root task comes first.
MODULES     := root ktest bench fuzz
root_DIR    := user/root
ktest_DIR   := tests/target
bench_DIR   := bench/target
fuzz_DIR    := tests/target/fuzz
# Device modules: the mechanisms' tests, the e1000 driver, its benchmark.
MODULES     += devtest e1000 netbench
devtest_DIR := tests/devtest
e1000_DIR   := bench/e1000
netbench_DIR := bench/netbench
# Supervision (root's serve=): a server that dies on purpose, and a load on it.
MODULES     += crashy rpcload
crashy_DIR  := tests/supervise/crashy
rpcload_DIR := tests/supervise/rpcload
USER_SRC_DIRS += tests/supervise/%
MODULE_ELFS := $(patsubst %,$(B)/user/%.elf,$(MODULES))

.PHONY: all run iso test test-axes host-tests bench fuzz presets all-variants clean help deps deps-run deps-iso
all: deps $(B)/kernel.elf $(B)/kernel32.elf $(MODULE_ELFS)

help:
	@echo "make [CONFIG=name]   build a variant (default l4) into build/<name>/"
	@echo "make run             boot it under QEMU (MODE=tcg|icount|kvm)"
	@echo "make iso             build build/<name>/ipclab.iso for GRUB / a real PC"
	@echo "make bench           measure every model's root preset, compare, plot (the main job)"
	@echo "make test            every test: host units, on-target suite, ISO boot"
	@echo "make test-axes       ktest in every combination of the axes, 12 per model (JOBS=n)"
	@echo "make fuzz            a long seeded fuzz (FUZZ_CONFIGS=all SEED=n CALLS=n)"
	@echo "make report          results/REPORT.md from the newest stored runs"
	@echo "make plots           plots/*.png and *.svg from the same runs"
	@echo "make presets         list the variants"

presets:
	@for f in $(PRESET_FILES); do printf '%-10s %s\n' $$(basename $$f .mk) "$$(sed -n '1s/^# *//p' $$f)"; done

all-variants:
	$(Q)for p in $(PRESETS); do $(MAKE) -s CONFIG=$$p all || exit 1; done

deps:
	@tools/need-packages $(BUILD_PACKAGES)
deps-run:
	@tools/need-packages $(RUN_PACKAGES)
deps-iso:
	@tools/need-packages $(ISO_PACKAGES)

# One axis as C (axes.mk says which constants each kind gives), and as JSON.
comma := ,
hash  := \#
space := $(subst ,, )
upper  = $(shell echo '$(1)' | tr a-z- A-Z_)
axis-c = $(if $(filter flag,$($(1).kind)),echo '$(hash)define CONFIG_$(1) $(if $(filter y,$($(1))),1,0)';,$(if $(filter choice,$($(1).kind)),$(foreach v,$($(1).values),echo '$(hash)define CONFIG_$(or $($(1).c),$(1))_$(call upper,$(v)) $(if $(filter $(v),$($(1))),1,0)';) echo '$(hash)define CONFIG_$(1)_NAME "$($(1))"';,echo '$(hash)define CONFIG_$(1) $($(1))';))
axis-json = \"$(1)\":$(if $(filter range,$($(1).kind)),$($(1)),\"$($(1))\")

# The variant as C: one constant per axis.  Written on every make but
# replaced only when it changes, so an axis given on the command line
# (make FASTPATH_STATS=y) rebuilds what depends on it, and nothing else does.
.PHONY: FORCE
$(B)/config.h: FORCE
	@mkdir -p $(@D)
	$(Q){ echo '/* generated from configs/$(CONFIG).mk and axes.mk: do not edit */'; \
	  echo '#define CONFIG_NAME "$(CONFIG)"'; \
	  $(foreach a,$(AXES),$(call axis-c,$(a))) \
	  echo '#define CONFIG_AXES "$(foreach a,$(AXES),$(a)=$($(a)))"'; \
	  echo '#define CONFIG_AXES_JSON "{$(subst $(space),$(comma),$(foreach a,$(AXES),$(call axis-json,$(a))))}"'; \
	} > $@.tmp && { cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@; }

# The commit the kernel is built from, for its banner: a run ingested from a
# real PC's serial log is stored under the commit that built the image, not
# the one checked out where it is read.  Fixed width, so that the kernel's
# layout (and with it the cycle model's figures) does not move with it.
$(B)/commit.h: FORCE
	@mkdir -p $(@D)
	$(Q)c=$$(git rev-parse HEAD 2>/dev/null || echo unknown); \
	  d=$$(git status --porcelain 2>/dev/null | head -c1 | wc -c); \
	  printf '#define BUILD_COMMIT "%-40.40s"\n#define BUILD_CHANGED %d\n' "$$c" "$$d" > $@.tmp && \
	  { cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@; }
$(B)/kernel/main.c.o: $(B)/commit.h

$(B)/%.c.o: %.c $(B)/config.h
	@mkdir -p $(@D)
	$(SAY) "  CC    $<"
	$(Q)$(CC) $(if $(filter user/% tests/target/% bench/target/% $(USER_SRC_DIRS),$<),$(UCFLAGS),$(KCFLAGS)) -c $< -o $@
$(B)/%.S.o: %.S $(B)/config.h
	@mkdir -p $(@D)
	$(SAY) "  AS    $<"
	$(Q)$(CC) $(if $(filter user/% tests/target/% bench/target/% $(USER_SRC_DIRS),$<),$(UCFLAGS),$(KCFLAGS)) -D__ASSEMBLY__ -Wa,--noexecstack -c $< -o $@

# Structure offsets for the assembly files: the core's (tools/asm-offsets.c)
# and the model's (ipc-variants/<model>/asm-offsets.c, if it has one).
ASM_OFFSETS_SRC := tools/asm-offsets.c $(wildcard ipc-variants/$(IPC)/asm-offsets.c)
$(B)/asm-offsets.h: $(ASM_OFFSETS_SRC) $(B)/config.h $(wildcard kernel/*.h arch/x86_64/*.h ipc-variants/*.h ipc-variants/$(IPC)/*.h $(IPC_SHARED:%=ipc-variants/%/*.h))
	@mkdir -p $(@D)
	$(Q)for src in $(ASM_OFFSETS_SRC); do \
	  $(CC) $(KCFLAGS) -Itools -MF $(B)/$$(echo $$src | tr / _).d -MT $@ -S -o - $$src || exit 1; \
	done > $(B)/asm-offsets.s
	$(Q){ echo '/* generated from $(ASM_OFFSETS_SRC): do not edit */'; \
	  sed -n 's/^@@\([A-Za-z0-9_]*\) \$$*\(-*[0-9]*\).*/#define \1 \2/p' $(B)/asm-offsets.s; } > $@.tmp && mv $@.tmp $@
$(filter %.S.o,$(KOBJ)): $(B)/asm-offsets.h

$(B)/kernel.elf: $(KOBJ) arch/x86_64/kernel.ld
	$(SAY) "  LD    $@"
	$(Q)$(LD) -n -nostdlib -z max-page-size=0x1000 -T arch/x86_64/kernel.ld --no-warn-rwx-segments --fatal-warnings -o $@ $(KOBJ)

# QEMU's multiboot1 loader takes only 32-bit ELF files.
$(B)/kernel32.elf: $(B)/kernel.elf
	$(Q)objcopy -O elf32-i386 $< $@

$(B)/user/libuser.a: $(ULIB_OBJ)
	@mkdir -p $(@D)
	$(Q)rm -f $@ && $(AR) rcs $@ $^

define module_rule
$(1)_OBJ := $$(patsubst %,$(B)/%.o,$$(wildcard $$($(1)_DIR)/*.c $$($(1)_DIR)/*.S))
$(B)/user/$(1).elf: $$($(1)_OBJ) $(B)/user/libuser.a user/lib/user.ld
	$$(SAY) "  LD    $$@"
	$$(Q)$$(LD) -nostdlib -static -z max-page-size=0x1000 -T user/lib/user.ld --fatal-warnings -o $$@ $$($(1)_OBJ) $(B)/user/libuser.a
endef
$(foreach m,$(MODULES),$(eval $(call module_rule,$(m))))

# The ISO a real PC boots: GRUB, serial console, no menu delay.
$(B)/ipclab.iso: $(B)/kernel.elf $(MODULE_ELFS) tools/grub.cfg.in
	@mkdir -p $(B)/iso/boot/grub
	$(Q)cp $(B)/kernel.elf $(B)/iso/boot/kernel.elf
	$(Q)for m in $(MODULES); do cp $(B)/user/$$m.elf $(B)/iso/boot/$$m.elf; done
	$(Q)sed -e 's/@CONFIG@/$(CONFIG)/' tools/grub.cfg.in > $(B)/iso/boot/grub/grub.cfg
	$(SAY) "  ISO   $@"
	$(Q)grub-mkrescue -o $@ $(B)/iso >$(B)/grub-mkrescue.log 2>&1 || { cat $(B)/grub-mkrescue.log; exit 1; }

iso: all deps-iso $(B)/ipclab.iso

run: all deps-run
	$(Q)$(PYTHON) -m harness boot --config $(BUILD_NAME) --mode $(MODE) --run ktest,bench --no-build

# The main job: every model's root preset against the others, in the best
# mode this machine has (kvm with hardware virtualization, else icount), with
# the floor; and in cycles mode, the instructions again with the cycle model's
# figures beside them (model cycles, profile skylake: docs/cycles.md; rpc has
# no marked region, so it is left out there: it is the slowest case under the
# model).
bench: deps deps-run
	-@tools/need-packages gnuplot-nox      # the plots only: without it they are skipped
	$(Q)$(PYTHON) -m harness matrix --configs $(subst $(space),$(comma),$(ROOT_PRESETS)) --bench floor,pingpong,rpc,notify,fault,pagefault,bulk \
		--compare --plots build/bench
	$(Q)$(PYTHON) -m harness matrix --configs $(subst $(space),$(comma),$(ROOT_PRESETS)) --modes cycles \
		--bench floor,pingpong,notify,fault,pagefault --compare

# The comparison report and the plots, from the stored runs (results/runs/).
.PHONY: report plots
report: deps deps-run
	$(Q)$(PYTHON) -m harness compare

plots: deps deps-run
	@tools/need-packages gnuplot-nox
	$(Q)$(PYTHON) -m harness plots

# A long seeded fuzz of every system call (make fuzz [FUZZ_CONFIGS=all|a,b] SEED=n
# CALLS=n): one table of calls, invariant checks and faults per preset.
SEED  ?= 1
CALLS ?= 1000000
FUZZ_CONFIGS ?= $(CONFIG)
fuzz: deps deps-run
	$(Q)$(PYTHON) -m harness.fuzz --configs $(FUZZ_CONFIGS) --seed $(SEED) --calls $(CALLS)

# The presets' on-target tests JOBS at once (default: the cores), each boot
# one QEMU on one core; their lines come as they finish, each naming its preset.
test: deps deps-run deps-iso
	$(Q)$(PYTHON) -m harness test --jobs $(or $(JOBS),$(shell nproc)) $(foreach p,$(PRESETS),--config $(p))

# ktest in every combination of the axes, each built into build/axes-<name>/
# (python3 -m harness axes --list names them); JOBS at once, default the cores.
test-axes: deps deps-run
	$(Q)$(PYTHON) -m harness axes $(if $(JOBS),--jobs $(JOBS))

# Host unit tests of the kernel's pure logic, under ASan and UBSan.
HOST_CFLAGS := -std=gnu11 -O1 -g $(WARN) -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer -Iinclude -Ikernel -Itests/host -DHOST_TEST
HOST_TESTS  := $(patsubst tests/host/test_%.c,build/host-tests/%,$(wildcard tests/host/test_*.c))
host_deps    = $(shell sed -n 's|^/\* *test-links: *\(.*\)\*/|\1|p' $(1))
build/host-tests/%: tests/host/test_%.c $(wildcard tests/host/*.h kernel/*.c kernel/*.h include/ipclab/*.h user/lib/args.[ch]) bench/target/stats.h
	@mkdir -p $(@D)
	$(SAY) "  HOSTCC $@"
	$(Q)$(CC) $(HOST_CFLAGS) -o $@ $< $(call host_deps,$<)
host-tests: $(HOST_TESTS)

clean:
	rm -rf build

# Fragments of their own areas: host baselines, the QEMU footprint plugin.
-include bench/host/host.mk
-include harness/plugin/plugin.mk

# Only this build's dependency files: build/ holds many builds (harness axes).
-include $(shell find $(B) -name '*.d' 2>/dev/null)
