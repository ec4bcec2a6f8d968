/* Host tests of the capability table (kernel/cap.c). */
/* test-links: kernel/cap.c */
#include "check.h"
#include "cap.h"

/* Tables are big (CAP_SLOTS entries): keep them off the stack, zeroed. */
static struct cap_table ta, tb;

static void reset(void)
{
	memset(&ta, 0, sizeof(ta));
	memset(&tb, 0, sizeof(tb));
}

#define SENTINEL ((struct cap *)(uintptr_t)0xdeadbeef)

static void lookup_slot_0_is_badcap(void)
{
	reset();
	struct kobj o = { OBJ_IPC, 1 };
	struct cap *c = SENTINEL;
	CHECK_EQ(cap_lookup(&ta, 0, OBJ_IPC, 0, &c), E_BADCAP);
	CHECK_EQ(cap_lookup(&ta, 0, OBJ_NONE, 0, &c), E_BADCAP);
	/* Nothing can be put there either, so it stays empty. */
	CHECK_EQ(cap_insert(&ta, 0, &o, RIGHTS_ALL, 0), E_BADCAP);
	CHECK_EQ(cap_lookup(&ta, 0, OBJ_IPC, 0, &c), E_BADCAP);
	CHECK(c == SENTINEL);
	CHECK(ta.slot[0].obj == NULL);
	CHECK_EQ(o.refs, 1);
}

static void lookup_out_of_range_is_badcap(void)
{
	reset();
	struct cap *c = SENTINEL;
	static const uint64_t bad[] = { CAP_SLOTS, CAP_SLOTS + 1, 1ull << 32,
					(1ull << 32) + 1, UINT64_MAX, UINT64_MAX - CAP_SLOTS + 1 };
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_EQ(cap_lookup(&ta, bad[i], OBJ_IPC, 0, &c), E_BADCAP);
		CHECK_EQ(cap_lookup(&ta, bad[i], OBJ_NONE, 0, &c), E_BADCAP);
	}
	CHECK(c == SENTINEL);
}

static void lookup_empty_is_badcap(void)
{
	reset();
	struct cap *c = SENTINEL;
	for (uint64_t s = 0; s < CAP_SLOTS; s++)
		CHECK_EQ(cap_lookup(&ta, s, OBJ_NONE, 0, &c), E_BADCAP);
	/* An emptied slot too. */
	struct kobj o = { OBJ_NOTIFICATION, 1 };
	int err = -1;
	CHECK_EQ(cap_insert(&ta, 40, &o, RIGHTS_ALL, 0), IPC_OK);
	CHECK(cap_drop(&ta, 40, &err) == NULL);
	CHECK_EQ(cap_lookup(&ta, 40, OBJ_NOTIFICATION, 0, &c), E_BADCAP);
	CHECK(c == SENTINEL);
}

static void lookup_wrong_type_is_badcap(void)
{
	reset();
	struct kobj o = { OBJ_IPC, 1 };
	struct cap *c = SENTINEL;
	CHECK_EQ(cap_insert(&ta, 33, &o, RIGHTS_ALL, 0), IPC_OK);
	for (int ty = OBJ_NONE + 1; ty < OBJ_TYPE_COUNT; ty++) {
		int want = ty == OBJ_IPC ? IPC_OK : E_BADCAP;
		CHECK_EQ(cap_lookup(&ta, 33, (enum obj_type)ty, RIGHTS_ALL, &c), want);
	}
	/* Type is checked before rights: a wrong type with missing rights is
	 * still E_BADCAP. */
	ta.slot[33].rights = 0;
	CHECK_EQ(cap_lookup(&ta, 33, OBJ_NOTIFICATION, RIGHT_SEND, &c), E_BADCAP);
}

static void lookup_any_type(void)
{
	reset();
	struct kobj a = { OBJ_THREAD, 1 }, b = { OBJ_SPACE, 1 };
	struct cap *c = NULL;
	CHECK_EQ(cap_insert(&ta, 1, &a, RIGHT_CONTROL, 0), IPC_OK);
	CHECK_EQ(cap_insert(&ta, 2, &b, RIGHT_READ, 0), IPC_OK);
	CHECK_EQ(cap_lookup(&ta, 1, OBJ_NONE, 0, &c), IPC_OK);
	CHECK(c == &ta.slot[1] && c->obj == &a);
	CHECK_EQ(cap_lookup(&ta, 2, OBJ_NONE, RIGHT_READ, &c), IPC_OK);
	CHECK(c == &ta.slot[2] && c->obj == &b);
	/* Rights still apply. */
	CHECK_EQ(cap_lookup(&ta, 2, OBJ_NONE, RIGHT_WRITE, &c), E_RIGHTS);
}

static void lookup_rights(void)
{
	reset();
	struct kobj o = { OBJ_MEMORY, 1 };
	struct cap *c = SENTINEL;
	CHECK_EQ(cap_insert(&ta, 3, &o, RIGHT_READ | RIGHT_SEND, 7), IPC_OK);
	CHECK_EQ(cap_lookup(&ta, 3, OBJ_MEMORY, RIGHT_WRITE, &c), E_RIGHTS);
	CHECK_EQ(cap_lookup(&ta, 3, OBJ_MEMORY, RIGHT_READ | RIGHT_WRITE, &c), E_RIGHTS);
	CHECK_EQ(cap_lookup(&ta, 3, OBJ_MEMORY, RIGHTS_ALL, &c), E_RIGHTS);
	CHECK(c == SENTINEL);
	CHECK_EQ(cap_lookup(&ta, 3, OBJ_MEMORY, 0, &c), IPC_OK);
	CHECK(c == &ta.slot[3]);
	c = SENTINEL;
	CHECK_EQ(cap_lookup(&ta, 3, OBJ_MEMORY, RIGHT_READ, &c), IPC_OK);
	CHECK(c == &ta.slot[3]);
	c = SENTINEL;
	CHECK_EQ(cap_lookup(&ta, 3, OBJ_MEMORY, RIGHT_READ | RIGHT_SEND, &c), IPC_OK);
	CHECK(c == &ta.slot[3]);
	CHECK(c->obj == &o);
	CHECK_EQ(c->rights, RIGHT_READ | RIGHT_SEND);
	CHECK_EQ(c->badge, 7);
}

static void insert_into_occupied_is_exists(void)
{
	reset();
	struct kobj a = { OBJ_IPC, 1 }, b = { OBJ_IPC, 1 };
	CHECK_EQ(cap_insert(&ta, 50, &a, RIGHT_SEND, 1), IPC_OK);
	CHECK_EQ(cap_insert(&ta, 50, &b, RIGHTS_ALL, 2), E_EXISTS);
	CHECK_EQ(cap_insert(&ta, 50, &a, RIGHTS_ALL, 2), E_EXISTS);
	CHECK(ta.slot[50].obj == &a);
	CHECK_EQ(ta.slot[50].rights, RIGHT_SEND);
	CHECK_EQ(ta.slot[50].badge, 1);
	CHECK_EQ(a.refs, 2);
	CHECK_EQ(b.refs, 1);
}

static void insert_bad_arguments(void)
{
	reset();
	struct kobj o = { OBJ_CONSOLE, 1 };
	CHECK_EQ(cap_insert(&ta, 0, &o, RIGHTS_ALL, 0), E_BADCAP);
	CHECK_EQ(cap_insert(&ta, CAP_SLOTS, &o, RIGHTS_ALL, 0), E_BADCAP);
	CHECK_EQ(cap_insert(&ta, UINT64_MAX, &o, RIGHTS_ALL, 0), E_BADCAP);
	CHECK_EQ(cap_insert(&ta, 5, NULL, RIGHTS_ALL, 0), E_BADCAP);
	CHECK_EQ(o.refs, 1);
	CHECK(ta.slot[5].obj == NULL);
	/* The edges of the valid range. */
	CHECK_EQ(cap_insert(&ta, 1, &o, RIGHTS_ALL, 0), IPC_OK);
	CHECK_EQ(cap_insert(&ta, CAP_SLOTS - 1, &o, RIGHTS_ALL, 0), IPC_OK);
	CHECK_EQ(o.refs, 3);
}

static void insert_masks_unknown_rights(void)
{
	reset();
	struct kobj o = { OBJ_NOTIFICATION, 0 };
	CHECK_EQ(cap_insert(&ta, 9, &o, 0xffffffffu, 0), IPC_OK);
	CHECK_EQ(ta.slot[9].rights, RIGHTS_ALL);
	struct cap *c;
	CHECK_EQ(cap_lookup(&ta, 9, OBJ_NOTIFICATION, RIGHTS_ALL, &c), IPC_OK);
	/* A right beyond RIGHTS_ALL is never held. */
	CHECK_EQ(cap_lookup(&ta, 9, OBJ_NOTIFICATION, 0x20, &c), E_RIGHTS);
}

static void refcounts_over_insert_copy_drop(void)
{
	reset();
	struct kobj o = { OBJ_IPC, 1 };    /* the kernel's own reference */
	int err;
	CHECK_EQ(cap_insert(&ta, 10, &o, RIGHTS_ALL, 0), IPC_OK);
	CHECK_EQ(cap_insert(&ta, 11, &o, RIGHT_SEND, 0), IPC_OK);
	CHECK_EQ(o.refs, 3);
	CHECK_EQ(cap_copy(&ta.slot[10], &tb, 10, RIGHTS_ALL, 0), IPC_OK);
	CHECK_EQ(cap_copy(&ta.slot[11], &tb, 12, RIGHTS_ALL, 0), IPC_OK);
	CHECK_EQ(cap_copy(&tb.slot[12], &ta, 12, RIGHTS_ALL, 0), IPC_OK);   /* back again */
	CHECK_EQ(o.refs, 6);
	/* Five capabilities plus the kernel: no drop gives the object back. */
	static const struct { struct cap_table *t; uint64_t slot; } order[] = {
		{ &ta, 11 }, { &tb, 10 }, { &ta, 10 }, { &ta, 12 }, { &tb, 12 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(order); i++) {
		err = -1;
		CHECK(cap_drop(order[i].t, order[i].slot, &err) == NULL);
		CHECK_EQ(err, IPC_OK);
		CHECK(order[i].t->slot[order[i].slot].obj == NULL);
		CHECK_EQ(o.refs, 5 - i);
	}
	/* Without the kernel's reference the last drop returns the object. */
	struct kobj p = { OBJ_NOTIFICATION, 0 };
	CHECK_EQ(cap_insert(&ta, 20, &p, RIGHTS_ALL, 0), IPC_OK);
	CHECK_EQ(cap_copy(&ta.slot[20], &tb, 21, RIGHT_RECV, 0), IPC_OK);
	CHECK_EQ(p.refs, 2);
	CHECK(cap_drop(&ta, 20, &err) == NULL);
	CHECK_EQ(err, IPC_OK);
	CHECK_EQ(p.refs, 1);
	CHECK(cap_drop(&tb, 21, &err) == &p);
	CHECK_EQ(err, IPC_OK);
	CHECK_EQ(p.refs, 0);
}

static void drop_bad_slot(void)
{
	reset();
	struct kobj o = { OBJ_IPC, 0 };
	int err;
	static const uint64_t bad[] = { 0, 5, CAP_SLOTS - 1, CAP_SLOTS, UINT64_MAX };
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		err = IPC_OK;
		CHECK(cap_drop(&ta, bad[i], &err) == NULL);
		CHECK_EQ(err, E_BADCAP);
	}
	/* A second drop of the same slot is refused, not a second decrement. */
	CHECK_EQ(cap_insert(&ta, 6, &o, RIGHTS_ALL, 0), IPC_OK);
	CHECK_EQ(cap_insert(&ta, 7, &o, RIGHTS_ALL, 0), IPC_OK);
	CHECK(cap_drop(&ta, 6, &err) == NULL);
	CHECK_EQ(err, IPC_OK);
	CHECK(cap_drop(&ta, 6, &err) == NULL);
	CHECK_EQ(err, E_BADCAP);
	CHECK_EQ(o.refs, 1);
	CHECK(cap_drop(&ta, 7, &err) == &o);
	CHECK_EQ(err, IPC_OK);
}

static void drop_clears_the_slot(void)
{
	reset();
	struct kobj o = { OBJ_MEMORY, 1 };
	int err;
	CHECK_EQ(cap_insert(&ta, 30, &o, RIGHTS_ALL, 0x1234), IPC_OK);
	CHECK(cap_drop(&ta, 30, &err) == NULL);
	CHECK(ta.slot[30].obj == NULL);
	CHECK_EQ(ta.slot[30].rights, 0);
	CHECK_EQ(ta.slot[30].badge, 0);
	/* The slot can be reused, and the new cap starts clean. */
	CHECK_EQ(cap_insert(&ta, 30, &o, RIGHT_READ, 0), IPC_OK);
	CHECK_EQ(ta.slot[30].badge, 0);
	CHECK_EQ(ta.slot[30].rights, RIGHT_READ);
}

static void copy_narrows_rights(void)
{
	reset();
	struct kobj o = { OBJ_IPC, 1 };
	CHECK_EQ(cap_insert(&ta, 40, &o, RIGHT_READ | RIGHT_WRITE | RIGHT_SEND, 0), IPC_OK);
	CHECK_EQ(cap_copy(&ta.slot[40], &tb, 40, RIGHT_WRITE | RIGHT_RECV | RIGHT_CONTROL, 0), IPC_OK);
	CHECK(tb.slot[40].obj == &o);
	CHECK_EQ(tb.slot[40].rights, RIGHT_WRITE);       /* the mask never widens */
	CHECK_EQ(cap_copy(&ta.slot[40], &tb, 41, 0xffffffffu, 0), IPC_OK);
	CHECK_EQ(tb.slot[41].rights, RIGHT_READ | RIGHT_WRITE | RIGHT_SEND);
	CHECK_EQ(cap_copy(&ta.slot[40], &tb, 42, 0, 0), IPC_OK);
	CHECK_EQ(tb.slot[42].rights, 0);
	/* The source is unchanged. */
	CHECK_EQ(ta.slot[40].rights, RIGHT_READ | RIGHT_WRITE | RIGHT_SEND);
	/* A narrowed copy of a narrowed copy stays narrow. */
	CHECK_EQ(cap_copy(&tb.slot[40], &ta, 41, RIGHTS_ALL, 0), IPC_OK);
	CHECK_EQ(ta.slot[41].rights, RIGHT_WRITE);
	struct cap *c;
	CHECK_EQ(cap_lookup(&ta, 41, OBJ_IPC, RIGHT_SEND, &c), E_RIGHTS);
	CHECK_EQ(o.refs, 6);     /* the kernel's and five caps */
}

static void copy_badges(void)
{
	reset();
	struct kobj o = { OBJ_IPC, 1 };
	/* An unbadged cap takes the badge given... */
	CHECK_EQ(cap_insert(&ta, 50, &o, RIGHTS_ALL, 0), IPC_OK);
	CHECK_EQ(cap_copy(&ta.slot[50], &tb, 50, RIGHTS_ALL, 0x99), IPC_OK);
	CHECK_EQ(tb.slot[50].badge, 0x99);
	/* ...or stays unbadged. */
	CHECK_EQ(cap_copy(&ta.slot[50], &tb, 51, RIGHTS_ALL, 0), IPC_OK);
	CHECK_EQ(tb.slot[51].badge, 0);
	/* A badged cap keeps its badge whatever is asked. */
	CHECK_EQ(cap_copy(&tb.slot[50], &tb, 52, RIGHTS_ALL, 0x1234), IPC_OK);
	CHECK_EQ(tb.slot[52].badge, 0x99);
	CHECK_EQ(cap_copy(&tb.slot[50], &tb, 53, RIGHTS_ALL, 0), IPC_OK);
	CHECK_EQ(tb.slot[53].badge, 0x99);
	CHECK_EQ(cap_insert(&ta, 60, &o, RIGHTS_ALL, UINT64_MAX), IPC_OK);
	CHECK_EQ(cap_copy(&ta.slot[60], &tb, 60, RIGHTS_ALL, 5), IPC_OK);
	CHECK_EQ(tb.slot[60].badge, UINT64_MAX);
	/* The source's badge is not changed by copying. */
	CHECK_EQ(ta.slot[50].badge, 0);
}

static void copy_failures(void)
{
	reset();
	struct kobj o = { OBJ_IPC, 1 }, q = { OBJ_NOTIFICATION, 1 };
	/* An empty source. */
	CHECK_EQ(cap_copy(&ta.slot[70], &tb, 70, RIGHTS_ALL, 0), E_BADCAP);
	CHECK(tb.slot[70].obj == NULL);
	CHECK_EQ(cap_insert(&ta, 70, &o, RIGHTS_ALL, 3), IPC_OK);
	CHECK_EQ(cap_insert(&tb, 70, &q, RIGHT_READ, 4), IPC_OK);
	/* An occupied destination is left alone. */
	CHECK_EQ(cap_copy(&ta.slot[70], &tb, 70, RIGHTS_ALL, 0), E_EXISTS);
	CHECK(tb.slot[70].obj == &q);
	CHECK_EQ(tb.slot[70].rights, RIGHT_READ);
	CHECK_EQ(tb.slot[70].badge, 4);
	/* Bad destination slots. */
	CHECK_EQ(cap_copy(&ta.slot[70], &tb, 0, RIGHTS_ALL, 0), E_BADCAP);
	CHECK_EQ(cap_copy(&ta.slot[70], &tb, CAP_SLOTS, RIGHTS_ALL, 0), E_BADCAP);
	/* Onto itself. */
	CHECK_EQ(cap_copy(&ta.slot[70], &ta, 70, RIGHTS_ALL, 0), E_EXISTS);
	CHECK_EQ(o.refs, 2);
	CHECK_EQ(q.refs, 2);
}

/* Random inserts, copies and drops against reference counts kept here. */
static void random_refcounts(void)
{
	reset();
	enum { NOBJ = 5 };
	struct kobj objs[NOBJ];
	unsigned model[NOBJ];
	for (unsigned i = 0; i < NOBJ; i++) {
		objs[i] = (struct kobj){ OBJ_CONSOLE + i, 1 };
		model[i] = 1;
	}
	uint64_t seed = 0x2545f4914f6cdd1dull;
	for (unsigned step = 0; step < 20000; step++) {
		struct cap_table *t = check_rand_below(&seed, 2) ? &ta : &tb;
		uint64_t slot = check_rand_below(&seed, CAP_SLOTS + 2);
		unsigned op = check_rand_below(&seed, 3);
		bool valid = slot >= 1 && slot < CAP_SLOTS;
		struct kobj *had = valid ? t->slot[slot].obj : NULL;
		if (op == 0) {
			unsigned k = check_rand_below(&seed, NOBJ);
			int r = cap_insert(t, slot, &objs[k], RIGHTS_ALL, 0);
			CHECK_EQ(r, !valid ? E_BADCAP : had ? E_EXISTS : IPC_OK);
			if (r == IPC_OK)
				model[k]++;
		} else if (op == 1) {
			struct cap_table *s = check_rand_below(&seed, 2) ? &ta : &tb;
			struct cap *src = &s->slot[check_rand_below(&seed, CAP_SLOTS)];
			struct kobj *o = src->obj;
			int r = cap_copy(src, t, slot, check_rand_below(&seed, 32), 0);
			CHECK_EQ(r, !valid || !o ? E_BADCAP : had ? E_EXISTS : IPC_OK);
			if (r == IPC_OK)
				model[o - objs]++;
		} else {
			int err;
			struct kobj *back = cap_drop(t, slot, &err);
			CHECK_EQ(err, had ? IPC_OK : E_BADCAP);
			if (had)
				model[had - objs]--;
			/* The kernel's reference keeps every count above 0. */
			CHECK(back == NULL);
		}
		for (unsigned i = 0; i < NOBJ; i++)
			CHECK_EQ(objs[i].refs, model[i]);
	}
	/* Counting what is left in the tables gives the same numbers. */
	unsigned held[NOBJ] = { 0 };
	for (unsigned s = 0; s < CAP_SLOTS; s++) {
		if (ta.slot[s].obj)
			held[ta.slot[s].obj - objs]++;
		if (tb.slot[s].obj)
			held[tb.slot[s].obj - objs]++;
	}
	for (unsigned i = 0; i < NOBJ; i++)
		CHECK_EQ(objs[i].refs, held[i] + 1);
}

static const struct check_case cases[] = {
	CASE(lookup_slot_0_is_badcap),
	CASE(lookup_out_of_range_is_badcap),
	CASE(lookup_empty_is_badcap),
	CASE(lookup_wrong_type_is_badcap),
	CASE(lookup_any_type),
	CASE(lookup_rights),
	CASE(insert_into_occupied_is_exists),
	CASE(insert_bad_arguments),
	CASE(insert_masks_unknown_rights),
	CASE(refcounts_over_insert_copy_drop),
	CASE(drop_bad_slot),
	CASE(drop_clears_the_slot),
	CASE(copy_narrows_rights),
	CASE(copy_badges),
	CASE(copy_failures),
	CASE(random_refcounts),
};

CHECK_MAIN(cases)
