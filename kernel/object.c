/* Kernel objects: allocation from frames, destruction when the creator's
 * capability goes, freeing when the last reference goes. */
#include "kernel.h"
#include "frame.h"
#include "ipc.h"
#include "mmu.h"
#include "device.h"

void *kobj_alloc(size_t size, enum obj_type type)
{
	paddr_t pa = frame_alloc_n(PAGE_ALIGN_UP(size) / PAGE_SIZE);
	if (!pa)
		return NULL;
	struct kobj *o = phys_to_virt(pa);
	o->type = type;
	o->refs = 0;
	return o;
}

int kobj_create(uint64_t slot, size_t size, enum obj_type type)
{
	int err = cap_slot_empty(slot);
	if (err)
		return err;
	struct kobj *o = kobj_alloc(size, type);
	if (!o)
		return E_NOMEM;
	return cap_insert(my_caps(), slot, o, RIGHTS_ALL, 0);
}

void kobj_free(struct kobj *o, size_t size)
{
	frame_free(physmap_to_phys(o), PAGE_ALIGN_UP(size) / PAGE_SIZE);
}

/* Empty a slot; deleting a RIGHT_CONTROL capability of an IPC object or a
 * notification destroys the object. */
void cap_slot_delete(struct cap_table *t, uint64_t slot, int *err)
{
	if (slot < CAP_SLOTS && t->slot[slot].obj && (t->slot[slot].rights & RIGHT_CONTROL)) {
		struct kobj *o = t->slot[slot].obj;
		if (o->type == OBJ_IPC)
			ipc_object_destroy(o);
		else if (o->type == OBJ_NOTIFICATION)
			notify_destroy(o);
		else if (o->type == OBJ_SPACE) {
			o->refs++;                   /* for space_destroy, which may not return */
			cap_drop(t, slot, err);
			space_destroy((struct space *)o);
			return;
		}
	}
	struct kobj *o = cap_drop(t, slot, err);
	if (o)
		kobj_release(o);
}

/* An object lost its last reference. */
void kobj_release(struct kobj *o)
{
	switch (o->type) {
	case OBJ_SPACE:
		o->refs++;                       /* space_release takes one */
		space_release((struct space *)o);
		break;
	case OBJ_THREAD:
		o->refs++;
		thread_release((struct thread *)o);
		break;
	case OBJ_IPC:
		ipc_object_free(o);
		break;
	case OBJ_NOTIFICATION:
		notify_destroy(o);
		kobj_free(o, PAGE_SIZE);
		break;
	case OBJ_IOPORT:
	case OBJ_DEVMEM:
	case OBJ_IRQ:
	case OBJ_FRAMES:
		device_release(o);
		break;
	default:                                 /* boot-time objects live forever */
		break;
	}
}
