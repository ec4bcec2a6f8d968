/* Capability tables: slot index -> (object, type, rights, badge).  No
 * capability, no access.  Pure logic over the table (host-tested); the kernel
 * destroys an object when cap_drop reports its last reference gone. */
#ifndef KERNEL_CAP_H
#define KERNEL_CAP_H

#include "types.h"
#include <ipclab/abi.h>

enum obj_type {
	OBJ_NONE = 0,
	OBJ_CONSOLE,
	OBJ_MACHINE,
	OBJ_MEMORY,
	OBJ_SPACE,
	OBJ_THREAD,
	OBJ_MODULE,
	OBJ_IPC,            /* the compiled model's IPC object (an endpoint, a port) */
	OBJ_NOTIFICATION,
	OBJ_IOPORT,         /* a range of I/O ports (kernel/device.c) */
	OBJ_DEVMEM,         /* a range of device memory */
	OBJ_IRQ,            /* a range of interrupt lines; one line can be bound */
	OBJ_FRAMES,         /* contiguous frames whose physical address is known */
	OBJ_TYPE_COUNT
};

/* Every kernel object starts with this header. */
struct kobj {
	uint32_t type;      /* enum obj_type */
	uint32_t refs;      /* capabilities naming it, plus the kernel's own */
};

struct cap {
	struct kobj *obj;   /* NULL: the slot is empty */
	uint32_t rights;    /* RIGHT_ bits */
	uint64_t badge;     /* given to the receiver of an IPC through this cap */
};

struct cap_table {
	struct cap slot[CAP_SLOTS];
};

/* Find slot's object of the given type (OBJ_NONE: any) with at least the given rights.
 * Returns IPC_OK and the cap, E_BADCAP or E_RIGHTS.  Inline: every system
 * call that names an object starts here. */
static inline int cap_lookup(const struct cap_table *t, uint64_t slot, enum obj_type type,
			     uint32_t rights, struct cap **out)
{
	if (unlikely(slot >= CAP_SLOTS))
		return E_BADCAP;
	struct cap *c = (struct cap *)&t->slot[slot];
	if (unlikely(!c->obj || (type != OBJ_NONE && c->obj->type != (uint32_t)type)))
		return E_BADCAP;
	if (unlikely((c->rights & rights) != rights))
		return E_RIGHTS;
	*out = c;
	return IPC_OK;
}
/* Put a new reference to obj into an empty slot (takes one reference). */
int cap_insert(struct cap_table *t, uint64_t slot, struct kobj *obj, uint32_t rights,
	       uint64_t badge);
/* Copy src into dst's slot with rights narrowed by mask; the badge of a cap
 * that has none may be set (badge != 0), an existing badge is kept. */
int cap_copy(const struct cap *src, struct cap_table *dst, uint64_t slot,
	     uint32_t mask, uint64_t badge);
/* Empty a slot.  Returns the object if that was its last reference, else NULL;
 * *err gets IPC_OK or E_BADCAP. */
struct kobj *cap_drop(struct cap_table *t, uint64_t slot, int *err);

#endif
