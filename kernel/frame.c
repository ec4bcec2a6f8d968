/* Physical frame allocator: a bitmap, first fit from a rotating hint. */
#include "frame.h"

static bool bit_get(const struct frame_pool *p, uint64_t i)
{
	return p->used[i / 64] >> (i % 64) & 1;
}

static void bit_set(struct frame_pool *p, uint64_t i, bool used)
{
	if (used)
		p->used[i / 64] |= 1ull << (i % 64);
	else
		p->used[i / 64] &= ~(1ull << (i % 64));
}

void frame_pool_init(struct frame_pool *p, uint64_t *bitmap, uint64_t nframes)
{
	p->used = bitmap;
	p->nframes = nframes;
	p->nfree = 0;
	p->hint = 0;
	memset(bitmap, 0xff, (nframes + 63) / 64 * 8);
}

/* base + len, saturated at the top of the address space. */
static uint64_t range_end(paddr_t base, uint64_t len)
{
	return len > UINT64_MAX - base ? UINT64_MAX : base + len;
}

void frame_pool_add(struct frame_pool *p, paddr_t base, uint64_t len)
{
	uint64_t first = base / PAGE_SIZE + (base % PAGE_SIZE != 0);
	uint64_t end = range_end(base, len) / PAGE_SIZE;
	for (uint64_t i = first; i < end && i < p->nframes; i++) {
		if (bit_get(p, i)) {
			bit_set(p, i, false);
			p->nfree++;
		}
	}
}

void frame_pool_reserve(struct frame_pool *p, paddr_t base, uint64_t len)
{
	if (len == 0)
		return;
	uint64_t first = base / PAGE_SIZE, last = range_end(base, len);
	uint64_t end = last / PAGE_SIZE + (last % PAGE_SIZE != 0);
	for (uint64_t i = first; i < end && i < p->nframes; i++) {
		if (!bit_get(p, i)) {
			bit_set(p, i, true);
			p->nfree--;
		}
	}
}

/* Is [i, i+n) entirely free?  On failure *next is where to look next. */
static bool run_free(const struct frame_pool *p, uint64_t i, uint64_t n, uint64_t *next)
{
	for (uint64_t k = 0; k < n; k++) {
		if (bit_get(p, i + k)) {
			*next = i + k + 1;
			return false;
		}
	}
	return true;
}

paddr_t frame_pool_alloc(struct frame_pool *p, uint64_t n)
{
	if (n == 0 || n > p->nfree)
		return 0;
	/* Two passes: from the hint to the end, then from frame 1 (frame 0 is
	 * never handed out, so 0 can mean "none"). */
	for (int pass = 0; pass < 2; pass++) {
		uint64_t i = pass ? 1 : MAX(p->hint, 1);
		uint64_t stop = pass ? MIN(p->hint + n, p->nframes) : p->nframes;
		while (i + n <= stop) {
			if (p->used[i / 64] == ~0ull) {
				i = (i / 64 + 1) * 64;
				continue;
			}
			uint64_t next;
			if (run_free(p, i, n, &next)) {
				for (uint64_t k = 0; k < n; k++)
					bit_set(p, i + k, true);
				p->nfree -= n;
				p->hint = i + n;
				return i * PAGE_SIZE;
			}
			i = next;
		}
	}
	return 0;
}

bool frame_pool_free(struct frame_pool *p, paddr_t base, uint64_t n)
{
	uint64_t first = base / PAGE_SIZE;
	if (base % PAGE_SIZE || first == 0 || first + n > p->nframes || first + n < first)
		return false;
	for (uint64_t k = 0; k < n; k++)
		if (!bit_get(p, first + k))
			return false;
	for (uint64_t k = 0; k < n; k++)
		bit_set(p, first + k, false);
	p->nfree += n;
	return true;
}

uint64_t frame_pool_longest_run(const struct frame_pool *p)
{
	uint64_t best = 0, run = 0;
	for (uint64_t i = 1; i < p->nframes; i++) {     /* frame 0 is never handed out */
		if (i % 64 == 0 && p->used[i / 64] == ~0ull && i + 64 <= p->nframes) {
			run = 0;                        /* a whole word in use: skip it */
			i += 63;
		} else if (bit_get(p, i)) {
			run = 0;
		} else if (++run > best) {
			best = run;
		}
	}
	return best;
}
