/* The system-call boundary: the null call returns, bad arguments get error
 * codes (never a crash), registers survive a call. */
#include "ktest.h"

void test_null_syscall(void)
{
	for (int i = 0; i < 1000; i++)
		EXPECT(sys_null() == IPC_OK, "SYS_NULL returned an error on call %d", i);
}

void test_bad_syscalls(void)
{
	uint64_t entry, stack, how, code, addr;
	EXPECT(syscall6(999, 0, 0, 0, 0, 0, 0).err == E_NOSYS, "unknown call number");
	EXPECT(syscall6(-1ul, 0, 0, 0, 0, 0, 0).err == E_NOSYS, "call number ~0");
	EXPECT(sys_console_write(0, "x", 1) == E_BADCAP, "slot 0 is never a capability");
	EXPECT(sys_console_write(CAP_SLOTS, "x", 1) == E_BADCAP, "slot past the table");
	EXPECT(sys_console_write(SLOT_FREE + 100, "x", 1) == E_BADCAP, "empty slot");
	EXPECT(sys_console_write(SLOT_SELF, "x", 1) == E_BADCAP, "wrong object type");
	EXPECT(sys_console_write(SLOT_CONSOLE, (void *)0xffffffff80100000ul, 8) == E_FAULT,
	       "console write from kernel memory");
	EXPECT(sys_console_write(SLOT_CONSOLE, (void *)0x1000, 8) == E_FAULT,
	       "console write from unmapped memory");
	EXPECT(sys_console_write(SLOT_CONSOLE, (void *)0x7ffffffffff8ul, 16) == E_FAULT,
	       "console write straddling the end of user space");
	EXPECT(sys_poweroff(SLOT_CONSOLE, 0) == E_BADCAP, "power off without the machine cap");
	EXPECT(sys_map(SLOT_MEMORY, SLOT_SELF, 0x30000123, 1, MAP_WRITE) == E_INVAL, "misaligned map");
	EXPECT(sys_map(SLOT_MEMORY, SLOT_SELF, 0xffffffff80000000ul, 1, MAP_WRITE) == E_INVAL,
	       "map into the kernel half");
	EXPECT(sys_map(SLOT_MEMORY, SLOT_SELF, 0x30000000, 1, 0x80) == E_INVAL, "unknown map flag");
	EXPECT(sys_map(SLOT_MEMORY, SLOT_SELF, 0x400000, 1, 0) == E_EXISTS, "map over the program");
	EXPECT(sys_map(SLOT_MEMORY, SLOT_SELF, 0x30000000, 1ul << 40, 0) != IPC_OK, "huge map");
	EXPECT(sys_thread_create(SLOT_SELF, SLOT_FREE + 20, 0xffffffff80100000ul, 0, 0, TEST_PRIO) ==
	       E_INVAL, "thread starting in the kernel");
	EXPECT(sys_thread_create(SLOT_SELF, SLOT_FREE + 20, 0x400000, 0, 0, 999) == E_INVAL,
	       "priority out of range");
	EXPECT(sys_thread_create(SLOT_SELF, SLOT_CONSOLE, 0x400000, 0, 0, TEST_PRIO) == E_EXISTS,
	       "thread into an occupied slot");
	EXPECT(sys_thread_join(SLOT_CONSOLE, &how, &code, &addr) == E_BADCAP, "join a console");
	EXPECT(sys_module_load(SLOT_CONSOLE, SLOT_SELF, SLOT_MEMORY, "", 0, &entry, &stack) ==
	       E_BADCAP, "load a console as a module");
	EXPECT(sys_module_load(SLOT_SELF_IMAGE, SLOT_SELF, SLOT_MEMORY, (void *)0x1000, 4, &entry,
			       &stack) == E_FAULT, "module arguments from unmapped memory");
	EXPECT(sys_cap_copy(SLOT_CONSOLE, SLOT_CONSOLE, SLOT_FREE + 20, RIGHTS_ALL) == E_BADCAP,
	       "copy into a console");
	EXPECT(sys_cap_delete(SLOT_FREE + 99) == E_BADCAP, "delete an empty slot");
	EXPECT(syscall6(SYS_INFO, 12345, 0, 0, 0, 0, 0).err == E_INVAL, "unknown info key");
	EXPECT(sys_null() == IPC_OK, "the kernel did not go on");
}

void test_registers_preserved(void)
{
	/* Load known values, call SYS_NULL, check every register the ABI keeps
	 * (all but rax, rcx and r11). */
	uint64_t out[12];
	asm volatile(
		"push %%rbp\n\t"
		"push %%rbx\n\t"
		"push %%r12\n\t"
		"push %%r13\n\t"
		"push %%r14\n\t"
		"push %%r15\n\t"
		"push %0\n\t"                   /* the output array */
		"mov $0x1111, %%rbx\n\t"
		"mov $0x2222, %%rbp\n\t"
		"mov $0x3333, %%rdi\n\t"
		"mov $0x4444, %%rsi\n\t"
		"mov $0x5555, %%rdx\n\t"
		"mov $0x6666, %%r8\n\t"
		"mov $0x7777, %%r9\n\t"
		"mov $0x8888, %%r10\n\t"
		"mov $0x9999, %%r12\n\t"
		"mov $0xaaaa, %%r13\n\t"
		"mov $0xbbbb, %%r14\n\t"
		"mov $0xcccc, %%r15\n\t"
		"xor %%eax, %%eax\n\t"
		"syscall\n\t"
		"mov (%%rsp), %%rcx\n\t"        /* the output array */
		"mov %%rbx, 0(%%rcx)\n\t"
		"mov %%rbp, 8(%%rcx)\n\t"
		"mov %%rdi, 16(%%rcx)\n\t"
		"mov %%rsi, 24(%%rcx)\n\t"
		"mov %%rdx, 32(%%rcx)\n\t"
		"mov %%r8, 40(%%rcx)\n\t"
		"mov %%r9, 48(%%rcx)\n\t"
		"mov %%r10, 56(%%rcx)\n\t"
		"mov %%r12, 64(%%rcx)\n\t"
		"mov %%r13, 72(%%rcx)\n\t"
		"mov %%r14, 80(%%rcx)\n\t"
		"mov %%r15, 88(%%rcx)\n\t"
		"add $8, %%rsp\n\t"
		"pop %%r15\n\t"
		"pop %%r14\n\t"
		"pop %%r13\n\t"
		"pop %%r12\n\t"
		"pop %%rbx\n\t"
		"pop %%rbp\n\t"
		:
		: "r"(out)
		: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
	static const uint64_t want[12] = { 0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666,
					   0x7777, 0x8888, 0x9999, 0xaaaa, 0xbbbb, 0xcccc };
	static const char *const names[12] = { "rbx", "rbp", "rdi", "rsi", "rdx", "r8",
					       "r9", "r10", "r12", "r13", "r14", "r15" };
	for (int i = 0; i < 12; i++)
		EXPECT(out[i] == want[i], "%s changed across a system call: %lx", names[i], out[i]);
}
