/* Every class of user fault stops only the faulting thread, which its joiner
 * sees as JOIN_FAULTED with the vector and address; the kernel goes on. */
#include "ktest.h"

#define KERNEL_IMAGE 0xffffffff80100000ul
#define PHYSMAP      0xffff800000000000ul
#define FAULTER      (SLOT_FREE + 10)

static void write_kernel(uint64_t arg) { *(volatile uint64_t *)arg = 1; sys_exit(0); }
static void read_addr(uint64_t arg) { (void)*(volatile uint64_t *)arg; sys_exit(0); }
static void write_addr(uint64_t arg) { *(volatile char *)arg = 1; sys_exit(0); }
static void jump_to(uint64_t arg) { ((void (*)(void))arg)(); sys_exit(0); }
static void do_hlt(uint64_t arg) { (void)arg; asm volatile("hlt"); sys_exit(0); }
static void do_out(uint64_t arg) { (void)arg; asm volatile("outb %%al, $0x80" : : "a"(0)); sys_exit(0); }
static void do_int80(uint64_t arg) { (void)arg; asm volatile("int $0x80"); sys_exit(0); }
static void do_ud2(uint64_t arg) { (void)arg; asm volatile("ud2"); sys_exit(0); }
static void do_int3(uint64_t arg) { (void)arg; asm volatile("int3"); sys_exit(0); }

static void do_div0(uint64_t arg)
{
	uint32_t q;
	asm volatile("xor %%edx, %%edx; div %1" : "=a"(q) : "r"((uint32_t)arg), "a"(1) : "rdx");
	sys_exit(q);
}

static uint64_t recurse(uint64_t n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	if (n == ~0ul)                           /* never: the stack ends first */
		return 0;
	return recurse(n + 1) + pad[0];
}
static void overflow_stack(uint64_t arg) { sys_exit(recurse(arg)); }

static const char rodata_byte = 7;

/* Run fn(arg) in a thread and check that it died of vector at addr
 * (addr ~0: any address). */
static void expect_fault(void (*fn)(uint64_t), uint64_t arg, uint64_t vector, uint64_t addr)
{
	uint64_t how, code, at;
	EXPECT_OK(spawn(fn, arg, FAULTER));
	EXPECT_OK(join(FAULTER, &how, &code, &at));
	EXPECT(how == JOIN_FAULTED, "thread ended with how=%lu code=%lu, not a fault", how, code);
	EXPECT(code == vector, "vector %lu, expected %lu", code, vector);
	EXPECT(addr == ~0ul || at == addr, "fault address %p, expected %p", (void *)at, (void *)addr);
	EXPECT(sys_null() == IPC_OK, "the kernel did not go on");
}

void test_kernel_write_faults(void)
{
	expect_fault(write_kernel, KERNEL_IMAGE, VEC_PF, KERNEL_IMAGE);
}

void test_fault_pf_read_unmapped(void) { expect_fault(read_addr, 0x8, VEC_PF, 0x8); }
void test_fault_pf_read_kernel(void) { expect_fault(read_addr, PHYSMAP + 0x1000, VEC_PF, PHYSMAP + 0x1000); }

void test_fault_pf_write_rodata(void)
{
	expect_fault(write_addr, (uint64_t)&rodata_byte, VEC_PF, (uint64_t)&rodata_byte);
}

void test_fault_pf_exec_nx(void)
{
	static uint8_t code[16] = { 0xc3 };      /* ret, in a data page */
	expect_fault(jump_to, (uint64_t)code, VEC_PF, (uint64_t)code);
}

void test_fault_pf_stack_overflow(void) { expect_fault(overflow_stack, 0, VEC_PF, ~0ul); }
void test_fault_gp_hlt(void) { expect_fault(do_hlt, 0, VEC_GP, ~0ul); }
void test_fault_gp_noncanonical(void) { expect_fault(read_addr, 0x8000000000000000ul, VEC_GP, ~0ul); }
void test_fault_gp_port_io(void) { expect_fault(do_out, 0, VEC_GP, ~0ul); }
void test_fault_gp_int80(void) { expect_fault(do_int80, 0, VEC_GP, ~0ul); }
void test_fault_ud(void) { expect_fault(do_ud2, 0, VEC_UD, ~0ul); }
void test_fault_de(void) { expect_fault(do_div0, 0, VEC_DE, ~0ul); }
void test_fault_bp(void) { expect_fault(do_int3, 0, VEC_BP, ~0ul); }
