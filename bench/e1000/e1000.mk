# The e1000 driver: one core (e1000.c, the device; nic.c, the client
# requests), built two ways.  The boot module `e1000` (this folder) is the
# user-level server; with E1000_IN_KERNEL=y the same two files and the
# in-kernel glue, kernel/drivers/e1000/, are also compiled with the kernel's
# flags into $(B)/kdrv/ and linked into the kernel, where clients reach them
# through SYS_NIC.

# Folders of user programs outside user/, tests/target/ and bench/target/.
USER_SRC_DIRS := tests/devtest/% bench/e1000/% bench/netbench/%

E1000_KSRC := bench/e1000/e1000.c bench/e1000/nic.c $(wildcard kernel/drivers/e1000/*.c)
ifeq ($(E1000_IN_KERNEL),y)
KOBJ += $(patsubst %,$(B)/kdrv/%.o,$(E1000_KSRC))
endif

$(B)/kdrv/%.c.o: %.c $(B)/config.h
	@mkdir -p $(@D)
	$(SAY) "  CC    $< (kernel)"
	$(Q)$(CC) $(KCFLAGS) -Ibench/e1000 -c $< -o $@
