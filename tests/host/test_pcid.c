/* Host tests of the PCID allocator (kernel/pcid.c): distinct PCIDs for live
 * spaces, the lowest free one first (so a dead space's PCID comes back and
 * its first load must flush), none beyond the limit, 0 when all are taken. */
/* test-links: kernel/pcid.c */
#include "check.h"
#include "pcid.h"

static struct pcid_pool pool;

/* Fresh pools hand out 1, 2, 3 ...: PCID 0 stays the untagged one. */
static void lowest_first_never_zero(void)
{
	memset(&pool, 0, sizeof(pool));
	for (unsigned want = 1; want <= 200; want++)
		CHECK_EQ(pcid_alloc(&pool, 4095), want);
	CHECK(!pcid_taken(&pool, 0));
}

/* A freed PCID is the next one handed out, however high the others go. */
static void freed_comes_back(void)
{
	memset(&pool, 0, sizeof(pool));
	for (unsigned i = 0; i < 100; i++)
		pcid_alloc(&pool, 4095);
	pcid_free(&pool, 37);
	CHECK(!pcid_taken(&pool, 37));
	CHECK_EQ(pcid_alloc(&pool, 4095), 37);
	CHECK_EQ(pcid_alloc(&pool, 4095), 101);
	pcid_free(&pool, 0);                       /* ignored */
	CHECK_EQ(pcid_alloc(&pool, 4095), 102);
}

/* KPTI's limit (2047: the user tables take the upper half) holds; past it,
 * and past 4095 without KPTI, every space gets 0. */
static void exhaustion_gives_zero(void)
{
	for (unsigned limit = 2047; limit <= 4095; limit += 2048) {
		memset(&pool, 0, sizeof(pool));
		for (unsigned want = 1; want <= limit; want++)
			CHECK_EQ(pcid_alloc(&pool, limit), want);
		CHECK_EQ(pcid_alloc(&pool, limit), 0);
		CHECK(!pcid_taken(&pool, limit + 1));
		pcid_free(&pool, 64);                  /* a word boundary */
		CHECK_EQ(pcid_alloc(&pool, limit), 64);
	}
}

/* PCIDs off: limit 0 hands out nothing; a limit past 12 bits is cut to 4095. */
static void limits_hold(void)
{
	memset(&pool, 0, sizeof(pool));
	CHECK_EQ(pcid_alloc(&pool, 0), 0);
	for (unsigned i = 0; i < 4095; i++)
		pcid_alloc(&pool, 100000);
	CHECK_EQ(pcid_alloc(&pool, 100000), 0);
	CHECK(pcid_taken(&pool, 4095));
	CHECK(!pcid_taken(&pool, 4096));
}

static const struct check_case cases[] = {
	CASE(lowest_first_never_zero), CASE(freed_comes_back), CASE(exhaustion_gives_zero),
	CASE(limits_hold),
};
CHECK_MAIN(cases)
