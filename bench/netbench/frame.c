/* The frame format (docs/e1000.md):
 *   0 destination MAC, 6 source MAC, 12 ethertype 0x88b5 (big-endian),
 *   14 stream (u16), 16 sequence number (u64), 24 length (u32),
 *   28 magic "IPCL", 32 checksum (u64), 40.. payload.
 * All little-endian.  The checksum, over the frame as 64-bit words with
 * the tail zero-padded and the checksum word taken as 0:
 *   a = sum of w[i], b = sum of (n - i) * w[i]   (mod 2^64, n words)
 *   checksum = a + b * 0x9E3779B97F4A7C15
 * b weighs every word by its place, so swapped words are caught too.
 * harness/netbench.py computes the same.  (__builtin_memcpy: the compiler
 * turns the small fixed copies into plain loads and stores.) */
#include "netbench.h"

#define CSUM_K 0x9E3779B97F4A7C15ull
#define CSUM_WORD 4                            /* the checksum's own word */

static uint64_t word_at(const uint8_t *buf, unsigned len, unsigned i)
{
	uint64_t w;
	__builtin_memcpy(&w, buf + 8 * i, 8);
	unsigned left = len - 8 * i;
	if (left < 8)
		w &= (1ull << 8 * left) - 1;           /* the zero-padded tail */
	return w;
}

uint64_t frame_checksum(const uint8_t *buf, unsigned len)
{
	unsigned n = (len + 7) / 8;
	uint64_t a = 0, b = 0;
	for (unsigned i = 0; i < n; i++) {
		a += i == CSUM_WORD ? 0 : word_at(buf, len, i);
		b += a;
	}
	return a + b * CSUM_K;
}

void frame_fill_payload(uint8_t *buf, unsigned len, uint64_t part[2])
{
	unsigned n = (len + 7) / 8;
	uint64_t *w = (uint64_t *)buf, a = 0, b = 0;
	for (unsigned i = FRAME_HEADER / 8; i < n; i++) {
		w[i] = i * 0x0101010101010101ull ^ 0xa5a55a5a3c3cc3c3ull;
		uint64_t v = word_at(buf, len, i);
		a += v;
		b += (n - i) * v;
	}
	part[0] = a;
	part[1] = b;
}

void frame_write_header(uint8_t *buf, unsigned len, const uint8_t dst[6], const uint8_t src[6],
			unsigned stream, uint64_t seq, const uint64_t part[2])
{
	__builtin_memcpy(buf, dst, 6);
	__builtin_memcpy(buf + 6, src, 6);
	buf[12] = ETHERTYPE >> 8;
	buf[13] = ETHERTYPE & 0xff;
	uint16_t s = stream;
	uint32_t l = len, magic = FRAME_MAGIC;
	__builtin_memcpy(buf + 14, &s, 2);
	__builtin_memcpy(buf + 16, &seq, 8);
	__builtin_memcpy(buf + 24, &l, 4);
	__builtin_memcpy(buf + 28, &magic, 4);
	/* The header's four words, added to the payload's precomputed parts. */
	unsigned n = (len + 7) / 8;
	uint64_t a = part[0], b = part[1];
	for (unsigned i = 0; i < CSUM_WORD; i++) {
		uint64_t v = word_at(buf, len, i);
		a += v;
		b += (n - i) * v;
	}
	uint64_t csum = a + b * CSUM_K;
	__builtin_memcpy(buf + 32, &csum, 8);
}

void frame_check(const uint8_t *buf, unsigned len, unsigned stream, struct frame_check *c)
{
	uint64_t seq, csum;
	uint32_t l, magic;
	uint16_t s;
	__builtin_memcpy(&s, buf + 14, 2);
	__builtin_memcpy(&seq, buf + 16, 8);
	__builtin_memcpy(&l, buf + 24, 4);
	__builtin_memcpy(&magic, buf + 28, 4);
	__builtin_memcpy(&csum, buf + 32, 8);
	if (len < FRAME_HEADER || l != len || magic != FRAME_MAGIC || s != stream ||
	    csum != frame_checksum(buf, len)) {
		c->corrupted++;
		return;
	}
	if (seq == c->next_seq) {
		c->frames++;
		c->next_seq += c->stride;
		return;
	}
	if (seq % c->stride) {
		c->corrupted++;                        /* not a number the peer echoes */
		return;
	}
	c->frames++;
	if (seq > c->next_seq) {
		c->lost += (seq - c->next_seq) / c->stride;   /* a gap: lost unless it turns up */
		c->next_seq = seq + c->stride;
	} else {
		c->reordered++;                        /* late or again: not the next one */
	}
}
