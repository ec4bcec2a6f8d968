/*
 * QEMU plugin API level 4 (QEMU 9.2 and later; 10.0 tested), and the
 * compat_* calls on it.  Included by qemu_plugin_api.h only; see there.
 *
 * It also keeps the two API 1 calls that changed working, so that a plugin
 * written against API 1 still builds (README.md, "Writing a plugin"):
 *   qemu_plugin_insn_data(insn)  copies the bytes into a per-thread buffer:
 *                                the pointer is good until the next such call
 *   qemu_plugin_register_vcpu_insn_exec_inline(insn, ADD_U64, ptr, n)
 *                                adds n in a callback, not inline: slower than
 *                                compat_count_insn, which a plugin should use
 */
#ifndef IPCLAB_QEMU_PLUGIN_API_V4_H
#define IPCLAB_QEMU_PLUGIN_API_V4_H

#include <stdlib.h>

#define QEMU_PLUGIN_VERSION 4

enum qemu_plugin_op {
	QEMU_PLUGIN_INLINE_ADD_U64,
	QEMU_PLUGIN_INLINE_STORE_U64,
};

/* A scoreboard holds one element per vCPU; a qemu_plugin_u64 is a uint64_t
 * at an offset in each element. */
struct qemu_plugin_scoreboard;
typedef struct {
	struct qemu_plugin_scoreboard *score;
	size_t offset;
} qemu_plugin_u64;

QEMU_CALL struct qemu_plugin_scoreboard *qemu_plugin_scoreboard_new(size_t element_size);
QEMU_CALL void qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(struct qemu_plugin_insn *insn,
								   enum qemu_plugin_op op,
								   qemu_plugin_u64 entry,
								   uint64_t imm);
QEMU_CALL uint64_t qemu_plugin_u64_get(qemu_plugin_u64 entry, unsigned int vcpu_index);

/* Copies up to len bytes of the instruction into dest; the number copied.
 * Declared under another name: qemu_plugin_insn_data is the macro below. */
QEMU_CALL size_t compat_qemu_insn_data_copy(const struct qemu_plugin_insn *insn, void *dest,
					    size_t len) __asm__("qemu_plugin_insn_data");

/* GLib's arrays, as QEMU passes them (QEMU links GLib, so its calls resolve). */
struct compat_g_array {
	char *data;
	unsigned int len;
};
struct compat_g_byte_array {
	uint8_t *data;
	unsigned int len;
};
QEMU_CALL struct compat_g_byte_array *g_byte_array_new(void);
QEMU_CALL struct compat_g_byte_array *g_byte_array_set_size(struct compat_g_byte_array *array,
							    unsigned int length);
QEMU_CALL char *g_array_free(struct compat_g_array *array, int free_segment);

/* Registers: found by name in a vCPU-init callback, read in a callback
 * registered with QEMU_PLUGIN_CB_R_REGS; the value in guest byte order. */
struct qemu_plugin_register;
struct compat_reg_descriptor {
	struct qemu_plugin_register *handle;
	const char *name;
	const char *feature;
};
QEMU_CALL struct compat_g_array *qemu_plugin_get_registers(void);
QEMU_CALL int qemu_plugin_read_register(struct qemu_plugin_register *handle,
					struct compat_g_byte_array *buf);
/* Guest memory at a virtual address of the current vCPU; data grows to len. */
QEMU_CALL bool qemu_plugin_read_memory_vaddr(uint64_t addr, struct compat_g_byte_array *data,
					     size_t len);

/* --- The compat layer on API 4 --------------------------------------------- */

#define COMPAT_REGS QEMU_PLUGIN_CB_R_REGS
#define COMPAT_COUNTER_PER_VCPU 1
#define COMPAT_MISSING NULL

/* False (one line said why) unless this QEMU offers API 4 and its calls. */
static inline bool compat_check(const qemu_info_t *info, const char *plugin)
{
	if (!compat_version_ok(info, plugin, QEMU_PLUGIN_VERSION))
		return false;
	if (!qemu_plugin_scoreboard_new || !qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu ||
	    !qemu_plugin_u64_get || !compat_qemu_insn_data_copy) {
		fprintf(stderr, "%s: this QEMU lacks the plugin API 4 calls it was built for\n",
			plugin);
		return false;
	}
	return true;
}

/* Copy up to len bytes of the instruction into buf; the number copied. */
static inline size_t compat_insn_bytes(const struct qemu_plugin_insn *insn, void *buf,
				       size_t len)
{
	return compat_qemu_insn_data_copy(insn, buf, len);
}

/* A counter per vCPU: a uint64_t scoreboard. */
struct compat_counter {
	qemu_plugin_u64 entry;
};

/* A counter at 0 (QEMU zeroes a new scoreboard). */
static inline void compat_counter_init(struct compat_counter *c)
{
	c->entry.score = qemu_plugin_scoreboard_new(sizeof(uint64_t));
	c->entry.offset = 0;
}

/* Add n to the executing vCPU's counter each time insn executes, inline. */
static inline void compat_count_insn(struct qemu_plugin_insn *insn, struct compat_counter *c,
				     uint64_t n)
{
	qemu_plugin_register_vcpu_insn_exec_inline_per_vcpu(insn, QEMU_PLUGIN_INLINE_ADD_U64,
							    c->entry, n);
}

/* The counter of one vCPU: its own executions only. */
static inline uint64_t compat_counter_read(const struct compat_counter *c, unsigned int vcpu)
{
	return qemu_plugin_u64_get(c->entry, vcpu);
}

/* CR3's handle, once a vCPU has been initialised (NULL: not found). */
static struct qemu_plugin_register *compat_cr3;

/* Find the registers the compat calls read; from a vCPU-init callback. */
static inline void compat_vcpu_init(unsigned int vcpu)
{
	(void)vcpu;
	if (compat_cr3 || !qemu_plugin_get_registers || !g_array_free)
		return;
	struct compat_g_array *regs = qemu_plugin_get_registers();
	if (!regs)
		return;
	const struct compat_reg_descriptor *reg = (const void *)regs->data;
	for (unsigned int i = 0; i < regs->len; i++)
		if (!strcmp(reg[i].name, "cr3"))
			compat_cr3 = reg[i].handle;
	g_array_free(regs, 1);
}

/* A byte array for this thread's register and memory reads (never freed:
 * one per vCPU thread). */
static inline struct compat_g_byte_array *compat_scratch(void)
{
	static __thread struct compat_g_byte_array *scratch;
	if (!scratch && g_byte_array_new && g_byte_array_set_size)
		scratch = g_byte_array_new();
	if (scratch)
		g_byte_array_set_size(scratch, 0); /* QEMU appends what it reads */
	return scratch;
}

/* The guest's CR3 (little-endian in the buffer, like every x86 register). */
static inline bool compat_read_cr3(uint64_t *cr3)
{
	struct compat_g_byte_array *buf = compat_scratch();
	if (!compat_cr3 || !buf || !qemu_plugin_read_register)
		return false;
	int size = qemu_plugin_read_register(compat_cr3, buf);
	if (size <= 0 || size > 8 || buf->len < (unsigned int)size)
		return false;
	uint64_t value = 0;
	for (int i = size - 1; i >= 0; i--)
		value = value << 8 | buf->data[i];
	*cr3 = value;
	return true;
}

/* Copy len bytes of guest memory at vaddr into buf; false if not mapped. */
static inline bool compat_read_memory(uint64_t vaddr, void *buf, size_t len)
{
	struct compat_g_byte_array *scratch = compat_scratch();
	if (!len || !scratch || !qemu_plugin_read_memory_vaddr)
		return false;
	if (!qemu_plugin_read_memory_vaddr(vaddr, scratch, len) || scratch->len < len)
		return false;
	memcpy(buf, scratch->data, len);
	return true;
}

/* --- API 1's changed calls, kept for plugins written against them ------------ */

/* The instruction's bytes in a per-thread buffer (x86: at most 15 bytes). */
static inline const void *compat_insn_data_pointer(const struct qemu_plugin_insn *insn)
{
	static __thread uint8_t bytes[16];
	compat_qemu_insn_data_copy(insn, bytes, sizeof(bytes));
	return bytes;
}

/* qemu_plugin_insn_data(insn): API 1's form; (insn, dest, len): API 3's. */
#define COMPAT_PICK_3(a, b, c, call, ...) call
#define qemu_plugin_insn_data(...)                                                       \
	COMPAT_PICK_3(__VA_ARGS__, compat_qemu_insn_data_copy, compat_insn_data_bad_args, \
		      compat_insn_data_pointer, 0)(__VA_ARGS__)

/* API 1's inline add, done by a callback: udata is the counter when n is 1,
 * else a struct compat_add (one per registration, never freed). */
struct compat_add {
	uint64_t *counter;
	uint64_t n;
};

/* Add 1 to the counter that udata points at. */
static inline void compat_add_one(unsigned int vcpu, void *udata)
{
	(void)vcpu;
	++*(uint64_t *)udata;
}

/* Add n to the counter of a struct compat_add. */
static inline void compat_add_n(unsigned int vcpu, void *udata)
{
	const struct compat_add *add = udata;
	(void)vcpu;
	*add->counter += add->n;
}

/* API 1's qemu_plugin_register_vcpu_insn_exec_inline, for its only op, ADD_U64. */
static inline void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn,
							      enum qemu_plugin_op op, void *ptr,
							      uint64_t imm)
{
	if (op != QEMU_PLUGIN_INLINE_ADD_U64) {
		fputs("qemu_plugin_register_vcpu_insn_exec_inline: only ADD_U64 is kept\n", stderr);
		abort();
	}
	if (imm == 1) {
		qemu_plugin_register_vcpu_insn_exec_cb(insn, compat_add_one, QEMU_PLUGIN_CB_NO_REGS, ptr);
		return;
	}
	struct compat_add *add = malloc(sizeof(*add));
	if (!add) {
		fputs("qemu_plugin_register_vcpu_insn_exec_inline: out of memory\n", stderr);
		abort();
	}
	add->counter = ptr;
	add->n = imm;
	qemu_plugin_register_vcpu_insn_exec_cb(insn, compat_add_n, QEMU_PLUGIN_CB_NO_REGS, add);
}

#endif
