/*
 * QEMU plugin API level 1 (QEMU 7.2 to 8.2), and the compat_* calls on it.
 * Included by qemu_plugin_api.h only; see there.
 */
#ifndef IPCLAB_QEMU_PLUGIN_API_V1_H
#define IPCLAB_QEMU_PLUGIN_API_V1_H

#define QEMU_PLUGIN_VERSION 1

enum qemu_plugin_op {
	QEMU_PLUGIN_INLINE_ADD_U64,
};

QEMU_CALL void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn,
							  enum qemu_plugin_op op, void *ptr,
							  uint64_t imm);
/* A pointer to the instruction's bytes, valid during the translation callback. */
QEMU_CALL const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *insn);

/* --- The compat layer on API 1 --------------------------------------------- */

#define COMPAT_REGS QEMU_PLUGIN_CB_NO_REGS
#define COMPAT_COUNTER_PER_VCPU 0
#define COMPAT_MISSING "reading guest registers and memory (compat_read_cr3, " \
		       "compat_read_memory) needs QEMU 9.2 or later (plugin API 4)"

/* False (one line said why) unless this QEMU offers API 1 and its calls. */
static inline bool compat_check(const qemu_info_t *info, const char *plugin)
{
	if (!compat_version_ok(info, plugin, QEMU_PLUGIN_VERSION))
		return false;
	if (!qemu_plugin_register_vcpu_insn_exec_inline || !qemu_plugin_insn_data) {
		fprintf(stderr, "%s: this QEMU lacks the plugin API 1 calls it was built for\n",
			plugin);
		return false;
	}
	return true;
}

/* Copy up to len bytes of the instruction into buf; the number copied. */
static inline size_t compat_insn_bytes(const struct qemu_plugin_insn *insn, void *buf,
				       size_t len)
{
	size_t size = qemu_plugin_insn_size(insn);
	if (size > len)
		size = len;
	memcpy(buf, qemu_plugin_insn_data(insn), size);
	return size;
}

/* One counter for all vCPUs: API 1's inline add goes to a plain variable. */
struct compat_counter {
	uint64_t value;
};

/* A counter at 0. */
static inline void compat_counter_init(struct compat_counter *c)
{
	c->value = 0;
}

/* Add n to the counter each time insn executes, inline. */
static inline void compat_count_insn(struct qemu_plugin_insn *insn, struct compat_counter *c,
				     uint64_t n)
{
	qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &c->value, n);
}

/* The counter: every vCPU's executions, whichever vcpu is asked for. */
static inline uint64_t compat_counter_read(const struct compat_counter *c, unsigned int vcpu)
{
	(void)vcpu;
	return c->value;
}

/* Nothing to find: API 1 cannot read registers. */
static inline void compat_vcpu_init(unsigned int vcpu)
{
	(void)vcpu;
}

/* Always false: API 1 cannot read registers. */
static inline bool compat_read_cr3(uint64_t *cr3)
{
	(void)cr3;
	return false;
}

/* Always false: API 1 cannot read guest memory. */
static inline bool compat_read_memory(uint64_t vaddr, void *buf, size_t len)
{
	(void)vaddr;
	(void)buf;
	(void)len;
	return false;
}

#endif
