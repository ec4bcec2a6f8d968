/* System-call stubs: one inline function per call of include/ipclab/abi.h. */
#ifndef USER_SYSCALL_H
#define USER_SYSCALL_H

#include <ipclab/abi.h>
#include <stddef.h>
#include <stdint.h>

/* The raw call: up to six arguments in, rax and up to three values out. */
struct sysret {
	long err;
	uint64_t v0, v1, v2;
};

static inline struct sysret syscall6(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2,
				     uint64_t a3, uint64_t a4, uint64_t a5)
{
	register uint64_t r10 asm("r10") = a3;
	register uint64_t r8 asm("r8") = a4;
	register uint64_t r9 asm("r9") = a5;
	struct sysret r;
	asm volatile("syscall"
		     : "=a"(r.err), "+D"(a0), "+S"(a1), "+d"(a2), "+r"(r10), "+r"(r8), "+r"(r9)
		     : "a"(nr)
		     : "rcx", "r11", "memory");
	r.v0 = a0;
	r.v1 = a1;
	r.v2 = a2;
	return r;
}

static inline long sys_null(void)
{
	register uint64_t rax asm("rax") = SYS_NULL;
	asm volatile("syscall" : "+a"(rax) : : "rcx", "r11", "memory");
	return (long)rax;
}

static inline long sys_console_write(uint64_t slot, const void *buf, size_t len)
{
	return syscall6(SYS_CONSOLE_WRITE, slot, (uint64_t)buf, len, 0, 0, 0).err;
}

static inline long sys_poweroff(uint64_t slot, uint64_t status)
{
	return syscall6(SYS_POWEROFF, slot, status, 0, 0, 0, 0).err;
}

static inline void sys_yield(void) { syscall6(SYS_YIELD, 0, 0, 0, 0, 0, 0); }

static inline __attribute__((noreturn)) void sys_exit(uint64_t code)
{
	syscall6(SYS_EXIT, code, 0, 0, 0, 0, 0);
	__builtin_unreachable();
}

static inline long sys_space_create(uint64_t dest_slot)
{
	return syscall6(SYS_SPACE_CREATE, dest_slot, 0, 0, 0, 0, 0).err;
}

static inline long sys_map(uint64_t mem_slot, uint64_t space_slot, uint64_t vaddr,
			   uint64_t pages, uint64_t flags)
{
	return syscall6(SYS_MAP, mem_slot, space_slot, vaddr, pages, flags, 0).err;
}

/* Load a boot module into a space: *entry and *stack get where to start. */
static inline long sys_module_load(uint64_t mod_slot, uint64_t space_slot, uint64_t mem_slot,
				   const char *args, size_t len, uint64_t *entry, uint64_t *stack)
{
	struct sysret r = syscall6(SYS_MODULE_LOAD, mod_slot, space_slot, mem_slot,
				   (uint64_t)args, len, 0);
	*entry = r.v0;
	*stack = r.v1;
	return r.err;
}

static inline long sys_thread_create(uint64_t space_slot, uint64_t dest_slot, uint64_t entry,
				     uint64_t stack, uint64_t arg, uint64_t prio)
{
	return syscall6(SYS_THREAD_CREATE, space_slot, dest_slot, entry, stack, arg, prio).err;
}

/* Send the thread's page faults to the endpoint or port in ipc_slot (0:
 * none): each is a call of FAULT_MSG_WORDS words that the pager answers
 * with FAULT_RESUME once the page is mapped (docs/abi.md). */
static inline long sys_thread_pager(uint64_t thread_slot, uint64_t ipc_slot)
{
	return syscall6(SYS_THREAD_PAGER, thread_slot, ipc_slot, 0, 0, 0, 0).err;
}

/* Wait for a thread to end: *how is JOIN_, *code the exit code or vector. */
static inline long sys_thread_join(uint64_t slot, uint64_t *how, uint64_t *code, uint64_t *addr)
{
	struct sysret r = syscall6(SYS_THREAD_JOIN, slot, 0, 0, 0, 0, 0);
	*how = r.v0;
	*code = r.v1;
	*addr = r.v2;
	return r.err;
}

/* Copy a capability with rights narrowed by mask; badge marks a copy of a
 * cap that has none (0: no badge). */
static inline long sys_cap_copy_badged(uint64_t src, uint64_t space_slot, uint64_t dest,
				       uint64_t mask, uint64_t badge)
{
	return syscall6(SYS_CAP_COPY, src, space_slot, dest, mask, badge, 0).err;
}

static inline long sys_cap_copy(uint64_t src, uint64_t space_slot, uint64_t dest, uint64_t mask)
{
	return sys_cap_copy_badged(src, space_slot, dest, mask, 0);
}

static inline long sys_cap_delete(uint64_t slot)
{
	return syscall6(SYS_CAP_DELETE, slot, 0, 0, 0, 0, 0).err;
}

static inline long sys_space_switch(uint64_t space_slot)
{
	return syscall6(SYS_SPACE_SWITCH, space_slot, 0, 0, 0, 0, 0).err;
}

/* Ask the kernel to check its own invariants: IPC_OK or E_INVAL. */
static inline long sys_check(void)
{
	return syscall6(SYS_CHECK, 0, 0, 0, 0, 0, 0).err;
}

static inline uint64_t sys_info(uint64_t key)
{
	return syscall6(SYS_INFO, key, 0, 0, 0, 0, 0).v0;
}

/* What ran short at this thread's last E_NOMEM (INFO_NOMEM). */
struct nomem_info {
	uint64_t kind;                 /* NOMEM_ */
	uint64_t asked, free;          /* frames (NOMEM_BORROWED: slots) */
};

static inline struct nomem_info sys_nomem_info(void)
{
	struct sysret r = syscall6(SYS_INFO, INFO_NOMEM, 0, 0, 0, 0, 0);
	return (struct nomem_info){ r.v0, r.v1, r.v2 };
}

#endif
