/* Capability-table operations: bounds, types and rights checked here once. */
#include "cap.h"

int cap_insert(struct cap_table *t, uint64_t slot, struct kobj *obj, uint32_t rights,
	       uint64_t badge)
{
	if (slot == 0 || slot >= CAP_SLOTS || !obj)
		return E_BADCAP;
	if (t->slot[slot].obj)
		return E_EXISTS;
	t->slot[slot] = (struct cap){ .obj = obj, .rights = rights & RIGHTS_ALL, .badge = badge };
	obj->refs++;
	return IPC_OK;
}

int cap_copy(const struct cap *src, struct cap_table *dst, uint64_t slot,
	     uint32_t mask, uint64_t badge)
{
	return cap_insert(dst, slot, src->obj, src->rights & mask, src->badge ? src->badge : badge);
}

struct kobj *cap_drop(struct cap_table *t, uint64_t slot, int *err)
{
	if (slot == 0 || slot >= CAP_SLOTS || !t->slot[slot].obj) {
		*err = E_BADCAP;
		return NULL;
	}
	struct kobj *o = t->slot[slot].obj;
	t->slot[slot] = (struct cap){ 0 };
	*err = IPC_OK;
	return --o->refs == 0 ? o : NULL;
}
