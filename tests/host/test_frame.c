/* Host tests of the bitmap frame allocator (kernel/frame.c). */
/* test-links: kernel/frame.c */
#include "check.h"
#include "frame.h"

#define NF 300                        /* not a multiple of 64 on purpose */
#define WORDS ((NF + 63) / 64)
#define PG(i) ((paddr_t)(i) * PAGE_SIZE)

/* The bitmap plus a guard word that frame.c must never touch. */
static uint64_t bitmap[WORDS + 1];
#define GUARD 0x5a5a5a5a5a5a5a5aull

static struct frame_pool pool;

static void setup(uint64_t nframes)
{
	memset(bitmap, 0, sizeof(bitmap));
	bitmap[(nframes + 63) / 64] = GUARD;
	frame_pool_init(&pool, bitmap, nframes);
}

static int is_used(uint64_t i)
{
	return bitmap[i / 64] >> (i % 64) & 1;
}

static uint64_t count_free(uint64_t nframes)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < nframes; i++)
		n += !is_used(i);
	return n;
}

/* Exactly frames [a, b) are free among the first nframes, and nfree says so. */
static void expect_free_exactly(const char *file, int line, uint64_t nframes,
				uint64_t a, uint64_t b)
{
	for (uint64_t i = 0; i < nframes; i++) {
		int want_used = !(i >= a && i < b);
		if (is_used(i) != want_used) {
			if (a < b)
				check_fail(file, line, "frame %llu is %s, expected only %llu..%llu free",
					   (unsigned long long)i, is_used(i) ? "used" : "free",
					   (unsigned long long)a, (unsigned long long)b - 1);
			else
				check_fail(file, line, "frame %llu is free, expected none free",
					   (unsigned long long)i);
			return;
		}
	}
	if (pool.nfree != (b > a ? b - a : 0))
		check_fail(file, line, "nfree is %llu, expected %llu",
			   (unsigned long long)pool.nfree, (unsigned long long)(b > a ? b - a : 0));
}
#define EXPECT_FREE_EXACTLY(n, a, b) CHECK_CALL(expect_free_exactly(__FILE__, __LINE__, n, a, b))

static void init_makes_all_used(void)
{
	memset(bitmap, 0, sizeof(bitmap));
	bitmap[WORDS] = GUARD;
	frame_pool_init(&pool, bitmap, NF);
	CHECK(pool.used == bitmap);
	CHECK_EQ(pool.nframes, NF);
	CHECK_EQ(pool.nfree, 0);
	for (unsigned w = 0; w < WORDS; w++)
		CHECK_EQ(bitmap[w], ~0ull);
	CHECK_EQ(bitmap[WORDS], GUARD);
	CHECK_EQ(frame_pool_alloc(&pool, 1), 0);
}

static void init_sizes_bitmap_exactly(void)
{
	/* 64 frames need exactly one word; 65 need two. */
	for (uint64_t n = 1; n <= 129; n++) {
		uint64_t words = (n + 63) / 64;
		uint64_t buf[4] = { 0, 0, 0, 0 };
		buf[words] = GUARD;
		frame_pool_init(&pool, buf, n);
		for (uint64_t w = 0; w < words; w++)
			CHECK_EQ(buf[w], ~0ull);
		CHECK_EQ(buf[words], GUARD);
	}
}

static void add_rounds_inward(void)
{
	setup(NF);
	/* [0x1800, 0x4800): only frames 2 and 3 are whole. */
	frame_pool_add(&pool, 0x1800, 0x3000);
	EXPECT_FREE_EXACTLY(NF, 2, 4);
	/* Less than a page, even straddling a boundary, adds nothing. */
	setup(NF);
	frame_pool_add(&pool, PG(5) + 1, PAGE_SIZE - 1);
	frame_pool_add(&pool, PG(7) - 10, 20);
	frame_pool_add(&pool, PG(9), PAGE_SIZE - 1);
	frame_pool_add(&pool, PG(9), 0);
	EXPECT_FREE_EXACTLY(NF, 0, 0);
	/* Exactly aligned: all of it. */
	frame_pool_add(&pool, PG(10), PG(5));
	EXPECT_FREE_EXACTLY(NF, 10, 15);
	CHECK_EQ(bitmap[WORDS], GUARD);
}

static void add_twice_counts_once(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(10), PG(10));
	frame_pool_add(&pool, PG(15), PG(10));
	EXPECT_FREE_EXACTLY(NF, 10, 25);
}

static void add_clamped_to_pool(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(NF - 4), PG(100));
	EXPECT_FREE_EXACTLY(NF, NF - 4, NF);
	frame_pool_add(&pool, PG(NF), PG(100));
	frame_pool_add(&pool, PG(1000000), PG(1));
	CHECK_EQ(pool.nfree, 4);
	/* The padding bits past nframes stay set, the guard word untouched. */
	CHECK_EQ(bitmap[WORDS - 1] >> (NF % 64), ~0ull >> (NF % 64));
	CHECK_EQ(bitmap[WORDS], GUARD);
}

/* A range whose end overflows means "to the top of memory". */
static void add_overflowing_len_reaches_top(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(5), UINT64_MAX);
	EXPECT_FREE_EXACTLY(NF, 5, NF);
}

/* A range entirely above the pool (near 2^64) adds nothing. */
static void add_near_top_of_address_space(void)
{
	setup(NF);
	frame_pool_add(&pool, 0xfffffffffffff001ull, 0x10);
	EXPECT_FREE_EXACTLY(NF, 0, 0);
	frame_pool_add(&pool, 0xffffffffffff0000ull, 0x10000);
	EXPECT_FREE_EXACTLY(NF, 0, 0);
}

static void reserve_rounds_outward(void)
{
	setup(NF);
	frame_pool_add(&pool, 0, PG(NF));
	CHECK_EQ(pool.nfree, NF);
	/* [0x1800, 0x2800) touches frames 1 and 2. */
	frame_pool_reserve(&pool, 0x1800, 0x1000);
	CHECK(is_used(1) && is_used(2));
	CHECK(!is_used(0) && !is_used(3));
	CHECK_EQ(pool.nfree, NF - 2);
	/* One byte reserves its frame; zero bytes reserve nothing. */
	frame_pool_reserve(&pool, PG(10) + 4095, 1);
	CHECK(is_used(10) && !is_used(11) && !is_used(9));
	frame_pool_reserve(&pool, PG(20), 0);
	frame_pool_reserve(&pool, PG(20) + 7, 0);
	CHECK(!is_used(20));
	CHECK_EQ(pool.nfree, NF - 3);
	/* An aligned end does not take the next frame. */
	frame_pool_reserve(&pool, PG(30), PG(2));
	CHECK(is_used(30) && is_used(31) && !is_used(32) && !is_used(29));
	CHECK_EQ(pool.nfree, NF - 5);
	CHECK_EQ(count_free(NF), pool.nfree);
}

static void reserve_twice_counts_once(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(1), PG(NF - 1));
	frame_pool_reserve(&pool, PG(40), PG(10));
	frame_pool_reserve(&pool, PG(45), PG(10));
	/* Reserving frames never added (0) or past the pool changes nothing. */
	frame_pool_reserve(&pool, 0, 10);
	frame_pool_reserve(&pool, PG(NF), PG(50));
	CHECK_EQ(pool.nfree, NF - 1 - 15);
	CHECK_EQ(count_free(NF), pool.nfree);
	CHECK_EQ(bitmap[WORDS], GUARD);
}

/* A reserve whose end overflows takes everything from base up. */
static void reserve_overflowing_len_reaches_top(void)
{
	setup(NF);
	frame_pool_add(&pool, 0, PG(NF));
	frame_pool_reserve(&pool, PG(5), UINT64_MAX);
	EXPECT_FREE_EXACTLY(NF, 0, 5);
}

static void alloc_never_returns_frame_0(void)
{
	setup(NF);
	frame_pool_add(&pool, 0, PG(NF));
	static unsigned char seen[NF];
	memset(seen, 0, sizeof(seen));
	for (unsigned k = 0; k < NF - 1; k++) {
		paddr_t pa = frame_pool_alloc(&pool, 1);
		CHECK_NE(pa, 0);
		CHECK_EQ(pa % PAGE_SIZE, 0);
		CHECK(pa / PAGE_SIZE < NF);
		CHECK(!seen[pa / PAGE_SIZE]);
		seen[pa / PAGE_SIZE] = 1;
	}
	/* Only frame 0 is left, and it is never handed out. */
	CHECK_EQ(frame_pool_alloc(&pool, 1), 0);
	CHECK(!is_used(0));
	CHECK_EQ(bitmap[WORDS], GUARD);
}

static void alloc_zero_frames_fails(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(1), PG(10));
	CHECK_EQ(frame_pool_alloc(&pool, 0), 0);
	CHECK_EQ(pool.nfree, 10);
}

static void alloc_contiguous(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(1), PG(20));     /* frames 1..20 */
	frame_pool_reserve(&pool, PG(5), 1);
	frame_pool_reserve(&pool, PG(10), 1);
	/* Runs: 1-4 (4), 6-9 (4), 11-20 (10).  Six only fit in the last. */
	paddr_t a = frame_pool_alloc(&pool, 6);
	CHECK_EQ(a, PG(11));
	for (unsigned i = 11; i < 17; i++)
		CHECK(is_used(i));
	CHECK_EQ(pool.nfree, 18 - 6);
	/* Five fit nowhere now, though twelve frames are free. */
	CHECK_EQ(frame_pool_alloc(&pool, 5), 0);
	CHECK_EQ(pool.nfree, 12);
	/* Four fit in each remaining run. */
	paddr_t b = frame_pool_alloc(&pool, 4);
	paddr_t c = frame_pool_alloc(&pool, 4);
	paddr_t d = frame_pool_alloc(&pool, 4);
	CHECK(b && c && d);
	CHECK(b != c && c != d && b != d);
	CHECK_EQ(pool.nfree, 0);
	CHECK_EQ(count_free(NF), 0);
	CHECK_EQ(frame_pool_alloc(&pool, 1), 0);
}

static void alloc_run_across_word_boundary(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(60), PG(11));    /* 60..70, straddles bit 64 */
	frame_pool_add(&pool, PG(2), PG(3));      /* a smaller run earlier */
	CHECK_EQ(frame_pool_alloc(&pool, 11), PG(60));
	CHECK_EQ(pool.nfree, 3);
	CHECK_EQ(frame_pool_alloc(&pool, 3), PG(2));
	CHECK_EQ(pool.nfree, 0);
}

static void alloc_run_at_very_end(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(NF - 7), PG(7));
	CHECK_EQ(frame_pool_alloc(&pool, 8), 0);
	CHECK_EQ(frame_pool_alloc(&pool, 7), PG(NF - 7));
	CHECK_EQ(pool.nfree, 0);
}

/* The longest run is what the allocator can hand out at once: runs across
 * word boundaries and at the very end count, frame 0 and a full pool do not. */
static void longest_run_is_what_alloc_can_give(void)
{
	setup(NF);
	CHECK_EQ(frame_pool_longest_run(&pool), 0);
	frame_pool_add(&pool, 0, PG(3));            /* 0..2: frame 0 is never handed out */
	CHECK_EQ(frame_pool_longest_run(&pool), 2);
	frame_pool_add(&pool, PG(60), PG(11));      /* 60..70, across bit 64 */
	frame_pool_add(&pool, PG(128), PG(64));     /* a whole word free: 128..191 */
	frame_pool_add(&pool, PG(NF - 9), PG(9));   /* the very end */
	CHECK_EQ(frame_pool_longest_run(&pool), 64);
	CHECK_EQ(frame_pool_alloc(&pool, 65), 0);
	CHECK_EQ(frame_pool_alloc(&pool, 64), PG(128));
	CHECK_EQ(frame_pool_longest_run(&pool), 11);
	CHECK_EQ(frame_pool_alloc(&pool, 11), PG(60));
	CHECK_EQ(frame_pool_longest_run(&pool), 9);
	/* Every other frame free: many frames, no two in a row. */
	setup(NF);
	for (uint64_t i = 1; i < NF; i += 2)
		frame_pool_add(&pool, PG(i), PG(1));
	CHECK_EQ(pool.nfree, NF / 2);
	CHECK_EQ(frame_pool_longest_run(&pool), 1);
	CHECK_EQ(frame_pool_alloc(&pool, 2), 0);
}

static void alloc_exhaustion_returns_0(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(1), PG(8));
	CHECK_EQ(frame_pool_alloc(&pool, 9), 0);
	CHECK_EQ(pool.nfree, 8);
	CHECK_EQ(frame_pool_alloc(&pool, 8), PG(1));
	CHECK_EQ(frame_pool_alloc(&pool, 1), 0);
	CHECK_EQ(frame_pool_alloc(&pool, UINT64_MAX), 0);
	CHECK_EQ(pool.nfree, 0);
}

static void free_returns_frames(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(1), PG(10));
	paddr_t a = frame_pool_alloc(&pool, 10);
	CHECK_EQ(a, PG(1));
	CHECK(frame_pool_free(&pool, PG(3), 2));
	CHECK_EQ(pool.nfree, 2);
	CHECK(!is_used(3) && !is_used(4) && is_used(2) && is_used(5));
	CHECK_EQ(frame_pool_alloc(&pool, 2), PG(3));
}

static void free_of_free_frame_refused(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(1), PG(10));
	/* Never allocated. */
	CHECK(!frame_pool_free(&pool, PG(4), 1));
	CHECK_EQ(pool.nfree, 10);
	/* A run that is partly free is refused as a whole. */
	paddr_t a = frame_pool_alloc(&pool, 3);
	CHECK_EQ(a, PG(1));
	CHECK(!frame_pool_free(&pool, PG(1), 4));
	CHECK(is_used(1) && is_used(2) && is_used(3));
	CHECK_EQ(pool.nfree, 7);
}

static void double_free_refused(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(1), PG(10));
	paddr_t a = frame_pool_alloc(&pool, 2);
	CHECK_NE(a, 0);
	CHECK(frame_pool_free(&pool, a, 2));
	CHECK_EQ(pool.nfree, 10);
	CHECK(!frame_pool_free(&pool, a, 2));
	CHECK(!frame_pool_free(&pool, a + PAGE_SIZE, 1));
	CHECK_EQ(pool.nfree, 10);
}

static void free_bad_arguments_refused(void)
{
	setup(NF);
	frame_pool_add(&pool, 0, PG(NF));
	paddr_t a = frame_pool_alloc(&pool, 4);
	CHECK_NE(a, 0);
	uint64_t before = pool.nfree;
	CHECK(!frame_pool_free(&pool, a + 1, 1));             /* unaligned */
	CHECK(!frame_pool_free(&pool, a + PAGE_SIZE / 2, 1));
	CHECK(!frame_pool_free(&pool, 0, 1));                 /* frame 0 */
	CHECK(!frame_pool_free(&pool, PG(NF - 1), 2));        /* past the end */
	CHECK(!frame_pool_free(&pool, PG(NF), 1));
	CHECK(!frame_pool_free(&pool, a, UINT64_MAX));        /* first + n wraps */
	CHECK(!frame_pool_free(&pool, 0xfffffffffffff000ull, 1));
	CHECK_EQ(pool.nfree, before);
	CHECK(frame_pool_free(&pool, a, 4));
	CHECK_EQ(pool.nfree, before + 4);
	CHECK_EQ(bitmap[WORDS], GUARD);
}

static void free_zero_frames_changes_nothing(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(1), PG(10));
	frame_pool_free(&pool, PG(2), 0);
	CHECK_EQ(pool.nfree, 10);
	CHECK_EQ(count_free(NF), 10);
}

static void hint_wraps_around(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(1), PG(NF - 1));
	/* Take everything, one at a time: first fit moves the hint to the end. */
	for (unsigned k = 1; k < NF; k++)
		CHECK_EQ(frame_pool_alloc(&pool, 1), PG(k));
	CHECK_EQ(frame_pool_alloc(&pool, 1), 0);
	/* Free a few early frames: the search must wrap to find them. */
	CHECK(frame_pool_free(&pool, PG(3), 1));
	CHECK(frame_pool_free(&pool, PG(70), 3));
	CHECK_EQ(frame_pool_alloc(&pool, 1), PG(3));
	CHECK_EQ(frame_pool_alloc(&pool, 3), PG(70));
	CHECK_EQ(frame_pool_alloc(&pool, 1), 0);
	/* Now the hint is 73.  A run further on is found on the first pass. */
	CHECK(frame_pool_free(&pool, PG(NF - 5), 5));
	CHECK_EQ(frame_pool_alloc(&pool, 2), PG(NF - 5));
	/* Hint NF-3: only 3 free from there, so 4 must wrap to 100..103. */
	CHECK(frame_pool_free(&pool, PG(100), 4));
	CHECK_EQ(frame_pool_alloc(&pool, 4), PG(100));
	CHECK_EQ(frame_pool_alloc(&pool, 3), PG(NF - 3));
	CHECK_EQ(pool.nfree, 0);
	/* Hint NF: a run ending exactly at the last frame is found on the
	 * wrapped pass too. */
	CHECK(frame_pool_free(&pool, PG(NF - 4), 4));
	CHECK_EQ(frame_pool_alloc(&pool, 4), PG(NF - 4));
	CHECK_EQ(pool.nfree, 0);
}

static void hint_run_straddling_hint(void)
{
	setup(NF);
	frame_pool_add(&pool, PG(1), PG(NF - 1));
	CHECK_EQ(frame_pool_alloc(&pool, NF - 1), PG(1));
	/* Free 50..59, then move the hint into the middle of it. */
	CHECK(frame_pool_free(&pool, PG(50), 10));
	CHECK_EQ(frame_pool_alloc(&pool, 5), PG(50));   /* hint = 55 */
	CHECK(frame_pool_free(&pool, PG(50), 5));
	/* 50..59 free, hint 55: an 8-run starts before the hint. */
	CHECK_EQ(frame_pool_alloc(&pool, 8), PG(50));
	CHECK_EQ(pool.nfree, 2);
}

/* Random add/reserve/alloc/free against a one-byte-per-frame model. */
static void random_against_model(void)
{
	enum { N = NF };
	static unsigned char used[N];
	struct run { paddr_t base; uint64_t n; } runs[512];
	unsigned nruns = 0;
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	setup(N);
	memset(used, 1, sizeof(used));

	for (unsigned step = 0; step < 40000; step++) {
		unsigned op = check_rand_below(&seed, 100);
		if (op < 5) {
			/* add an arbitrary byte range */
			uint64_t base = check_rand_below(&seed, PG(N + 8));
			uint64_t len = check_rand_below(&seed, PG(40));
			frame_pool_add(&pool, base, len);
			for (uint64_t i = 0; i < N; i++)
				if (PG(i) >= base && PG(i + 1) <= base + len)
					used[i] = 0;
		} else if (op < 8) {
			uint64_t base = check_rand_below(&seed, PG(N + 8));
			uint64_t len = check_rand_below(&seed, PG(6));
			frame_pool_reserve(&pool, base, len);
			for (uint64_t i = 0; i < N && len; i++)
				if (PG(i + 1) > base && PG(i) < base + len)
					used[i] = 1;
			/* Reserved frames may have been part of a run: forget runs
			 * that are no longer wholly used, the model decides. */
		} else if (op < 55) {
			uint64_t n = 1 + check_rand_below(&seed, check_rand_below(&seed, 4) ? 3 : 12);
			paddr_t pa = frame_pool_alloc(&pool, n);
			if (pa) {
				CHECK_EQ(pa % PAGE_SIZE, 0);
				uint64_t f = pa / PAGE_SIZE;
				CHECK(f >= 1 && f + n <= N);
				for (uint64_t k = 0; k < n; k++) {
					CHECK(!used[f + k]);
					used[f + k] = 1;
				}
				if (nruns < ARRAY_SIZE(runs))
					runs[nruns++] = (struct run){ pa, n };
			} else {
				/* Fail only if no free run of n exists from frame 1. */
				uint64_t len = 0;
				for (uint64_t i = 1; i < N; i++) {
					len = used[i] ? 0 : len + 1;
					if (len == n) {
						check_fail(__FILE__, __LINE__,
							   "step %u: alloc(%llu) failed with frames %llu..%llu free",
							   step, (unsigned long long)n,
							   (unsigned long long)(i + 1 - n),
							   (unsigned long long)i);
						return;
					}
				}
			}
		} else {
			/* free: usually a run we got, sometimes anything */
			paddr_t base;
			uint64_t n;
			if (nruns && check_rand_below(&seed, 4)) {
				unsigned r = check_rand_below(&seed, nruns);
				base = runs[r].base;
				n = runs[r].n;
				runs[r] = runs[--nruns];
			} else {
				base = check_rand_below(&seed, PG(N + 2));
				if (check_rand_below(&seed, 2))
					base = PAGE_ALIGN_DOWN(base);
				n = check_rand_below(&seed, 5);
			}
			uint64_t f = base / PAGE_SIZE;
			bool expect = base % PAGE_SIZE == 0 && f >= 1 && f + n <= N;
			for (uint64_t k = 0; expect && k < n; k++)
				expect = used[f + k];
			bool got = frame_pool_free(&pool, base, n);
			if (got != expect) {
				check_fail(__FILE__, __LINE__,
					   "step %u: free(0x%llx, %llu) returned %d, model says %d",
					   step, (unsigned long long)base, (unsigned long long)n,
					   got, expect);
				return;
			}
			if (got)
				for (uint64_t k = 0; k < n; k++)
					used[f + k] = 0;
		}

		uint64_t model_free = 0;
		for (uint64_t i = 0; i < N; i++) {
			model_free += !used[i];
			if (is_used(i) != used[i]) {
				check_fail(__FILE__, __LINE__, "step %u: frame %llu is %d, model %d",
					   step, (unsigned long long)i, is_used(i), used[i]);
				return;
			}
		}
		if (pool.nfree != model_free) {
			check_fail(__FILE__, __LINE__, "step %u: nfree %llu, model %llu", step,
				   (unsigned long long)pool.nfree, (unsigned long long)model_free);
			return;
		}
	}
	CHECK_EQ(bitmap[WORDS], GUARD);
}

static const struct check_case cases[] = {
	CASE(init_makes_all_used),
	CASE(init_sizes_bitmap_exactly),
	CASE(add_rounds_inward),
	CASE(add_twice_counts_once),
	CASE(add_clamped_to_pool),
	CASE(add_overflowing_len_reaches_top),
	CASE(add_near_top_of_address_space),
	CASE(reserve_rounds_outward),
	CASE(reserve_twice_counts_once),
	CASE(reserve_overflowing_len_reaches_top),
	CASE(alloc_never_returns_frame_0),
	CASE(alloc_zero_frames_fails),
	CASE(alloc_contiguous),
	CASE(alloc_run_across_word_boundary),
	CASE(alloc_run_at_very_end),
	CASE(longest_run_is_what_alloc_can_give),
	CASE(alloc_exhaustion_returns_0),
	CASE(free_returns_frames),
	CASE(free_of_free_frame_refused),
	CASE(double_free_refused),
	CASE(free_bad_arguments_refused),
	CASE(free_zero_frames_changes_nothing),
	CASE(hint_wraps_around),
	CASE(hint_run_straddling_hint),
	CASE(random_against_model),
};

CHECK_MAIN(cases)
