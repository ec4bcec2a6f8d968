/*
 * The part of QEMU's TCG plugin API (include/qemu/qemu-plugin.h) that
 * ipclab's plugins use, declared here because Debian ships no
 * qemu-plugin.h, plus a thin compatibility layer (the compat_* calls) that
 * gives a plugin one set of calls on every QEMU it supports.
 *
 * QEMU changed its plugin API after 7.2, so a plugin is built for one API
 * level, IPCLAB_QEMU_PLUGIN_API, which plugin.mk takes from the QEMU that the
 * harness runs (harness/qemu.py, plugin_api()):
 *   1  QEMU 7.2 to 8.2: inline ops add to a plain uint64_t; the bytes of an
 *      instruction are returned as a pointer (qemu_plugin_api_v1.h).
 *   4  QEMU 9.2 and later (10.0 tested): inline ops only on scoreboard
 *      entries, *_inline_per_vcpu (since API 2); the bytes are copied into
 *      the caller's buffer (since API 3); guest registers (API 2) and guest
 *      memory (API 4) can be read (qemu_plugin_api_v4.h).
 * The level's header declares QEMU's calls of that level and defines every
 * compat_* call below.  README.md says which calls a plugin may use.
 *
 * Every QEMU function is a weak reference: a plugin built for the other
 * level still loads, so that QEMU's version check or compat_check() says
 * in one line what is wrong, not the dynamic loader's "undefined symbol".
 *
 * The compatibility layer (each level's header defines all of these):
 *
 *   QEMU_PLUGIN_VERSION      the level built for; export it as qemu_plugin_version
 *   bool compat_check(const qemu_info_t *info, const char *plugin)
 *       in qemu_plugin_install: false, after one line on stderr, if this
 *       QEMU does not offer the level the plugin was built for
 *   size_t compat_insn_bytes(const struct qemu_plugin_insn *insn, void *buf, size_t len)
 *       copy up to len bytes of the instruction into buf; the number copied
 *   struct compat_counter
 *   void compat_counter_init(struct compat_counter *c)
 *       in qemu_plugin_install: a counter that starts at 0
 *   void compat_count_insn(struct qemu_plugin_insn *insn, struct compat_counter *c, uint64_t n)
 *       add n to the counter every time insn executes, inline (no callback)
 *   uint64_t compat_counter_read(const struct compat_counter *c, unsigned int vcpu)
 *       the counter; COMPAT_COUNTER_PER_VCPU says whether it counts that
 *       vCPU's executions only (1) or every vCPU's (0: API 1)
 *   void compat_vcpu_init(unsigned int vcpu)
 *       call it from the plugin's vCPU-init callback (registers are found there)
 *   bool compat_read_cr3(uint64_t *cr3)
 *       the guest's CR3, in a callback registered with COMPAT_REGS (which
 *       is QEMU_PLUGIN_CB_R_REGS where registers can be read); false if
 *       this API level cannot read registers (API 1)
 *   bool compat_read_memory(uint64_t vaddr, void *buf, size_t len)
 *       copy guest memory at a virtual address; false if it cannot (API 1,
 *       or the address is not mapped)
 *   COMPAT_MISSING           NULL, or one line: what this level lacks
 */
#ifndef IPCLAB_QEMU_PLUGIN_API_H
#define IPCLAB_QEMU_PLUGIN_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define QEMU_PLUGIN_EXPORT __attribute__((visibility("default")))
#define QEMU_CALL __attribute__((weak)) /* see above: why weak */

typedef uint64_t qemu_plugin_id_t;

typedef struct qemu_info_t {
	const char *target_name;
	struct {
		int min;
		int cur;
	} version;
	bool system_emulation;
	union {
		struct {
			int smp_vcpus;
			int max_vcpus;
		} system;
	};
} qemu_info_t;

struct qemu_plugin_tb;
struct qemu_plugin_insn;
struct qemu_plugin_hwaddr;

enum qemu_plugin_cb_flags {
	QEMU_PLUGIN_CB_NO_REGS,
	QEMU_PLUGIN_CB_R_REGS,
	QEMU_PLUGIN_CB_RW_REGS,
};

enum qemu_plugin_mem_rw {
	QEMU_PLUGIN_MEM_R = 1,
	QEMU_PLUGIN_MEM_W,
	QEMU_PLUGIN_MEM_RW,
};

typedef uint32_t qemu_plugin_meminfo_t;

typedef void (*qemu_plugin_udata_cb_t)(qemu_plugin_id_t id, void *userdata);
typedef void (*qemu_plugin_vcpu_simple_cb_t)(qemu_plugin_id_t id, unsigned int vcpu_index);
typedef void (*qemu_plugin_vcpu_udata_cb_t)(unsigned int vcpu_index, void *userdata);
typedef void (*qemu_plugin_vcpu_tb_trans_cb_t)(qemu_plugin_id_t id,
					       struct qemu_plugin_tb *tb);
typedef void (*qemu_plugin_vcpu_mem_cb_t)(unsigned int vcpu_index,
					  qemu_plugin_meminfo_t info,
					  uint64_t vaddr, void *userdata);

/* What the plugin exports. */
extern QEMU_PLUGIN_EXPORT int qemu_plugin_version;
QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv);

/* What QEMU provides at every level ipclab supports. */
QEMU_CALL void qemu_plugin_register_vcpu_init_cb(qemu_plugin_id_t id,
						 qemu_plugin_vcpu_simple_cb_t cb);
QEMU_CALL void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
						     qemu_plugin_vcpu_tb_trans_cb_t cb);
QEMU_CALL void qemu_plugin_register_vcpu_insn_exec_cb(struct qemu_plugin_insn *insn,
						      qemu_plugin_vcpu_udata_cb_t cb,
						      enum qemu_plugin_cb_flags flags,
						      void *userdata);
QEMU_CALL void qemu_plugin_register_vcpu_mem_cb(struct qemu_plugin_insn *insn,
						qemu_plugin_vcpu_mem_cb_t cb,
						enum qemu_plugin_cb_flags flags,
						enum qemu_plugin_mem_rw rw, void *userdata);
QEMU_CALL void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, qemu_plugin_udata_cb_t cb,
					      void *userdata);

QEMU_CALL size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
QEMU_CALL uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
QEMU_CALL struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
							   size_t idx);
QEMU_CALL size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *insn);
QEMU_CALL uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
/* The host copy of an instruction's bytes, or NULL (its guest-physical line,
 * as the cycles plugin uses it). */
QEMU_CALL void *qemu_plugin_insn_haddr(const struct qemu_plugin_insn *insn);

QEMU_CALL unsigned int qemu_plugin_mem_size_shift(qemu_plugin_meminfo_t info);
QEMU_CALL bool qemu_plugin_mem_is_store(qemu_plugin_meminfo_t info);
/* The physical side of an access (system emulation): valid during the callback only. */
QEMU_CALL struct qemu_plugin_hwaddr *qemu_plugin_get_hwaddr(qemu_plugin_meminfo_t info,
							    uint64_t vaddr);
QEMU_CALL bool qemu_plugin_hwaddr_is_io(const struct qemu_plugin_hwaddr *haddr);
QEMU_CALL uint64_t qemu_plugin_hwaddr_phys_addr(const struct qemu_plugin_hwaddr *haddr);

QEMU_CALL void qemu_plugin_outs(const char *string);

/* One line on stderr, `<plugin>: ...`, when QEMU lacks the level built for. */
static inline bool compat_version_ok(const qemu_info_t *info, const char *plugin, int built)
{
	if (info->version.min <= built && built <= info->version.cur)
		return true;
	fprintf(stderr, "%s: built for QEMU plugin API %d, but this QEMU offers %d to %d; "
			"rebuild it with `make plugin QEMU=<this qemu-system-x86_64>`\n",
		plugin, built, info->version.min, info->version.cur);
	return false;
}

#if IPCLAB_QEMU_PLUGIN_API == 1
#include "qemu_plugin_api_v1.h"
#elif IPCLAB_QEMU_PLUGIN_API == 4
#include "qemu_plugin_api_v4.h"
#else
#error "IPCLAB_QEMU_PLUGIN_API must be 1 or 4: build plugins with make plugin (plugin.mk sets it)"
#endif

#endif
