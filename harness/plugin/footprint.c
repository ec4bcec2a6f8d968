/*
 * footprint: a QEMU TCG plugin that measures what the guest executes
 * between a begin and an end marker instruction.  It builds for QEMU 7.2 and
 * for QEMU 9.2 and later (10.0 tested) through qemu_plugin_api.h's compat_*
 * calls.
 *
 * Markers are 7-byte NOPs, free on real hardware:
 *   begin  nopl 0x49500000+ID(%rax)   0f 1f 80 <ID> 50 49
 *   end    nopl 0x49510000+ID(%rax)   0f 1f 80 <ID> 51 49
 * with ID in 0..0xffff.  They are recognised at translation time by their
 * bytes, in 32-bit and 64-bit code alike.
 *
 * For each region ID the plugin counts, over every occurrence (a begin
 * followed by the end of the same ID):
 *   instructions, loads, stores      split by the address of the instruction
 *                                    (kernel: >= 0xffff800000000000)
 *   distinct 64-byte lines and 4-KiB pages, instruction fetch and data apart,
 *                                    split by the address of the line/page
 * The markers themselves are never counted.  The distinct counts are the
 * union over all occurrences; the last occurrence's own distinct counts are
 * reported too.  Regions of different IDs may nest.
 *
 * Output, at exit, through qemu_plugin_outs (QEMU's log: needs `-d plugin`,
 * and `-D file` to send it to a file), one line per ID:
 *   @@ipclab-footprint {json} @@end
 *
 * How it counts:
 *  - instructions: an inline add per instruction, so exact (QEMU 9.2 and
 *    later: vCPU 0's own; 7.2: every vCPU's); a rep-prefixed
 *    string instruction counts once per iteration plus once (QEMU re-executes
 *    it; measured: rep movsb with ecx=8 counted 9);
 *  - loads/stores: a memory callback per access, whatever its size; a
 *    read-modify-write is a load and a store.  What QEMU does for an
 *    instruction in a helper is seen too (measured: iret gave 5 loads, its
 *    3 stack pops and 2 more), but not what it does while delivering an interrupt
 *    or exception (measured: int $0x80's 3-word frame and the IDT read were
 *    not seen), nor page-table walks;
 *  - fetched lines: a callback on each instruction that begins a new line
 *    (or crosses into the next one), so straight-line code in one line costs
 *    one callback.
 * With the option profile=on the plugin also counts, per region, the
 * instructions executed at each address, and writes them at exit as
 *   @@ipclab-profile {"region":ID,"pcs":[["<hex address>",count],...]} @@end
 * (every open region counts an instruction, as for the totals, so a region's
 * counts add up to its instructions).  It costs a callback per instruction.
 * Where QEMU lets a plugin read registers (plugin API 4), each region also
 * reports "cr3": the guest's CR3 at its last begin marker.
 * Only vCPU 0 is measured.  On QEMU 7.2 the instruction counters are shared,
 * so with more vCPUs their instructions leak into vCPU 0's regions (a
 * warning says so).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_common.h"
#include "qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define LINE_MASK (~(uint64_t)63)
#define PAGE_MASK (~(uint64_t)4095)
#define NO_LINE (~(uint64_t)0) /* never a line or page address: low bits set */

#define MAX_OPEN 16 /* regions open at once (nesting depth) */

/* --- Hash sets and stamp maps of line or page addresses ------------------- */

static void *xcalloc(size_t n, size_t size)
{
	return plugin_calloc("footprint", n, size);
}

static inline size_t hash_index(uint64_t key, unsigned shift)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> shift);
}

/* A set: open addressing, linear probing.  Keys are addresses with bit 0 set,
 * so 0 marks an empty slot. */
struct set {
	uint64_t *slot;
	size_t cap; /* a power of two, or 0 before first use */
	size_t n;
	unsigned shift; /* 64 - log2(cap) */
};

static void set_alloc(struct set *s, size_t cap)
{
	s->slot = xcalloc(cap, sizeof(*s->slot));
	s->cap = cap;
	s->n = 0;
	s->shift = 64 - (unsigned)__builtin_ctzll(cap);
}

static void set_insert_new(struct set *s, uint64_t key)
{
	size_t i = hash_index(key, s->shift);
	while (s->slot[i])
		i = (i + 1) & (s->cap - 1);
	s->slot[i] = key;
	s->n++;
}

static void set_grow(struct set *s)
{
	uint64_t *old = s->slot;
	size_t oldcap = s->cap;
	set_alloc(s, oldcap ? oldcap * 2 : 64);
	for (size_t i = 0; i < oldcap; i++)
		if (old[i])
			set_insert_new(s, old[i]);
	free(old);
}

/* Add an address (a line or page base); true if it was not there yet. */
static bool set_add(struct set *s, uint64_t addr)
{
	uint64_t key = addr | 1;
	if (!s->cap)
		set_grow(s);
	size_t i = hash_index(key, s->shift);
	while (s->slot[i]) {
		if (s->slot[i] == key)
			return false;
		i = (i + 1) & (s->cap - 1);
	}
	s->slot[i] = key;
	if (++s->n * 10 > s->cap * 7)
		set_grow(s);
	return true;
}

/* Empty the set; a table much bigger than its last contents shrinks. */
static void set_clear(struct set *s)
{
	if (!s->cap)
		return;
	if (s->cap > 1024 && s->n * 16 < s->cap) {
		size_t cap = 64;
		while (cap < s->n * 4)
			cap *= 2;
		free(s->slot);
		set_alloc(s, cap);
		return;
	}
	memset(s->slot, 0, s->cap * sizeof(*s->slot));
	s->n = 0;
}

/* Count a set's addresses: [0] user, [1] kernel. */
static void set_count(const struct set *s, uint64_t out[2])
{
	for (size_t i = 0; i < s->cap; i++)
		if (s->slot[i])
			out[is_kernel(s->slot[i])]++;
}

/*
 * A stamp map: line address -> the epoch of its latest access while some
 * region was open.  The epoch goes up at every begin marker, so an access
 * is a region's first to that line in its open occurrence exactly when the
 * line's old stamp is older than the region's begin epoch.  One lookup per
 * access, however many regions are open.
 */
struct stamp {
	uint64_t key; /* line address | 1; 0: empty */
	uint64_t epoch;
};

struct map {
	struct stamp *slot;
	size_t cap, n;
	unsigned shift;
};

static void map_alloc(struct map *m, size_t cap)
{
	m->slot = xcalloc(cap, sizeof(*m->slot));
	m->cap = cap;
	m->n = 0;
	m->shift = 64 - (unsigned)__builtin_ctzll(cap);
}

static void map_grow(struct map *m)
{
	struct stamp *old = m->slot;
	size_t oldcap = m->cap;
	map_alloc(m, oldcap ? oldcap * 2 : 4096);
	for (size_t j = 0; j < oldcap; j++) {
		if (!old[j].key)
			continue;
		size_t i = hash_index(old[j].key, m->shift);
		while (m->slot[i].key)
			i = (i + 1) & (m->cap - 1);
		m->slot[i] = old[j];
		m->n++;
	}
	free(old);
}

/* The stamp of a line, added with epoch 0 if the line is new. */
static inline uint64_t *map_stamp(struct map *m, uint64_t line)
{
	uint64_t key = line | 1;
	if ((m->n + 1) * 10 > m->cap * 7)
		map_grow(m);
	size_t i = hash_index(key, m->shift);
	while (m->slot[i].key) {
		if (m->slot[i].key == key)
			return &m->slot[i].epoch;
		i = (i + 1) & (m->cap - 1);
	}
	m->slot[i].key = key;
	m->n++;
	return &m->slot[i].epoch;
}

/* A growable array of line addresses. */
struct vec {
	uint64_t *v;
	size_t n, cap;
};

static void vec_push(struct vec *a, uint64_t x)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = realloc(a->v, a->cap * sizeof(*a->v));
		if (!a->v) {
			fputs("footprint: out of memory\n", stderr);
			abort();
		}
	}
	a->v[a->n++] = x;
}

/* --- Regions -------------------------------------------------------------- */

/* Counters indexed [0] user, [1] kernel (by the instruction's address). */
struct counts {
	uint64_t insns[2], loads[2], stores[2];
};

enum { FETCH, DATA };

struct region {
	unsigned id;
	bool open;
	uint64_t begin_epoch;
	uint64_t occurrences, unmatched, unclosed;
	struct counts total;
	struct counts snap; /* the global counters when the open occurrence began */
	struct counts last;
	struct vec cur[2];  /* the open occurrence's distinct fetched and data lines */
	struct set all[2];  /* fetched and data lines of all finished occurrences */
	struct set all_lines, all_pages;
	uint64_t last_lines[2], last_pages[2];
	bool has_cr3;
	uint64_t cr3; /* at the last begin, where registers can be read */
};

/* Global counters, always running; a region takes the difference.  The
 * instructions are counted inline, in insns (read by counts_now); now.insns
 * is unused. */
static struct counts now;
static struct compat_counter insns[2];

static struct region *regions[0x10000];
static struct region *open_list[MAX_OPEN];
static unsigned n_open;

static uint64_t epoch; /* 0: before the first begin */
static struct map stamps[2];
/* The last line looked up in each map, and the epoch it got then. */
static struct stamp recent[2];
/* Scratch sets for the distinct lines and pages of one occurrence. */
static struct set scratch_lines, scratch_pages;

static bool multi_vcpu;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bool finished;

static void lock_if_multi(void)
{
	if (multi_vcpu)
		pthread_mutex_lock(&lock);
}

static void unlock_if_multi(void)
{
	if (multi_vcpu)
		pthread_mutex_unlock(&lock);
}

static struct region *region_get(unsigned id)
{
	if (!regions[id]) {
		regions[id] = xcalloc(1, sizeof(struct region));
		regions[id]->id = id;
	}
	return regions[id];
}

/* A line was fetched or accessed (kind FETCH or DATA) while regions are open. */
static inline void touch(int kind, uint64_t line)
{
	if (recent[kind].key == line && recent[kind].epoch == epoch)
		return;
	recent[kind].key = line;
	recent[kind].epoch = epoch;
	uint64_t *stamp = map_stamp(&stamps[kind], line);
	uint64_t old = *stamp;
	if (old == epoch)
		return;
	*stamp = epoch;
	for (unsigned i = 0; i < n_open; i++)
		if (old < open_list[i]->begin_epoch)
			vec_push(&open_list[i]->cur[kind], line);
}

static void open_remove(struct region *r)
{
	for (unsigned i = 0; i < n_open; i++) {
		if (open_list[i] == r) {
			open_list[i] = open_list[--n_open];
			break;
		}
	}
	r->open = false;
}

/* The global counters as they are now, vCPU 0's instructions with them. */
static struct counts counts_now(void)
{
	struct counts c = now;
	for (int k = 0; k < 2; k++)
		c.insns[k] = compat_counter_read(&insns[k], 0);
	return c;
}

/* cr3 is the guest's CR3, if has_cr3. */
static void region_begin(unsigned id, bool has_cr3, uint64_t cr3)
{
	struct region *r = region_get(id);
	if (r->open) {
		/* A second begin: the first one never got its end. */
		r->unclosed++;
	} else {
		if (n_open == MAX_OPEN) {
			r->unclosed++;
			return;
		}
		open_list[n_open++] = r;
		r->open = true;
	}
	r->begin_epoch = ++epoch;
	r->cur[FETCH].n = r->cur[DATA].n = 0;
	r->snap = counts_now();
	r->has_cr3 = has_cr3;
	r->cr3 = cr3;
}

static void region_end(unsigned id)
{
	struct region *r = region_get(id);
	if (!r->open) {
		r->unmatched++;
		return;
	}
	open_remove(r);
	r->occurrences++;
	struct counts at = counts_now();
	for (int k = 0; k < 2; k++) {
		r->last.insns[k] = at.insns[k] - r->snap.insns[k];
		r->last.loads[k] = at.loads[k] - r->snap.loads[k];
		r->last.stores[k] = at.stores[k] - r->snap.stores[k];
		r->total.insns[k] += r->last.insns[k];
		r->total.loads[k] += r->last.loads[k];
		r->total.stores[k] += r->last.stores[k];
	}
	memset(r->last_lines, 0, sizeof(r->last_lines));
	memset(r->last_pages, 0, sizeof(r->last_pages));
	for (int kind = FETCH; kind <= DATA; kind++) {
		for (size_t i = 0; i < r->cur[kind].n; i++) {
			uint64_t line = r->cur[kind].v[i];
			set_add(&r->all[kind], line);
			if (set_add(&scratch_lines, line)) {
				r->last_lines[is_kernel(line)]++;
				set_add(&r->all_lines, line);
			}
			if (set_add(&scratch_pages, line & PAGE_MASK)) {
				r->last_pages[is_kernel(line)]++;
				set_add(&r->all_pages, line & PAGE_MASK);
			}
		}
		r->cur[kind].n = 0;
	}
	set_clear(&scratch_lines);
	set_clear(&scratch_pages);
}

/* --- Profile: instructions by (region, address) ----------------------------- */

struct pc_count {
	uint64_t pc;     /* 0: empty (no instruction is at address 0 in a region) */
	uint32_t region;
	uint64_t n;
};

static bool profile;
static struct pc_count *pcs;
static size_t pcs_cap, pcs_n;

static size_t pc_index(uint64_t pc, uint32_t region, size_t cap)
{
	return (size_t)(((pc ^ (uint64_t)region << 48) * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

static struct pc_count *pc_slot(struct pc_count *table, size_t cap, uint64_t pc, uint32_t region)
{
	size_t i = pc_index(pc, region, cap);
	while (table[i].pc && (table[i].pc != pc || table[i].region != region))
		i = (i + 1) & (cap - 1);
	return &table[i];
}

static void pcs_grow(void)
{
	struct pc_count *old = pcs;
	size_t oldcap = pcs_cap;
	pcs_cap = oldcap ? oldcap * 2 : 4096;
	pcs = xcalloc(pcs_cap, sizeof(*pcs));
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].pc)
			*pc_slot(pcs, pcs_cap, old[i].pc, old[i].region) = old[i];
	free(old);
}

static void pc_count(uint64_t pc, uint32_t region)
{
	if ((pcs_n + 1) * 10 > pcs_cap * 7)
		pcs_grow();
	struct pc_count *c = pc_slot(pcs, pcs_cap, pc, region);
	if (!c->pc) {
		c->pc = pc;
		c->region = region;
		pcs_n++;
	}
	c->n++;
}

/* --- Execution callbacks --------------------------------------------------- */

/* Marker userdata: kind << 16 | id.  Registered with COMPAT_REGS, so that
 * it may read CR3. */
static void on_marker(unsigned int vcpu, void *udata)
{
	uintptr_t m = (uintptr_t)udata;
	if (vcpu != 0)
		return;
	uint64_t cr3 = 0;
	bool has_cr3 = (m >> 16) == MARKER_BEGIN && compat_read_cr3(&cr3);
	lock_if_multi();
	if (!finished) {
		if ((m >> 16) == MARKER_BEGIN)
			region_begin(m & 0xffff, has_cr3, cr3);
		else
			region_end(m & 0xffff);
	}
	unlock_if_multi();
}

/* Profile userdata: the instruction's address. */
static void on_profile(unsigned int vcpu, void *udata)
{
	if (vcpu != 0 || !n_open)
		return;
	lock_if_multi();
	if (!finished)
		for (unsigned i = 0; i < n_open; i++)
			pc_count((uintptr_t)udata, open_list[i]->id);
	unlock_if_multi();
}

/* Fetch userdata: the instruction's first line, | 1 when it crosses into
 * the next line. */
static void on_fetch(unsigned int vcpu, void *udata)
{
	if (vcpu != 0 || !n_open)
		return;
	uint64_t line = (uintptr_t)udata & LINE_MASK;
	lock_if_multi();
	if (!finished) {
		touch(FETCH, line);
		if ((uintptr_t)udata & 1)
			touch(FETCH, line + 64);
	}
	unlock_if_multi();
}

/* The lines a data access touches: one, or two when it crosses a line
 * boundary (QEMU 7.2's x86 accesses are at most 16 bytes). */
static inline void data_access(qemu_plugin_meminfo_t info, uint64_t vaddr)
{
	uint64_t first = vaddr & LINE_MASK;
	lock_if_multi();
	if (!finished) {
		touch(DATA, first);
		if ((vaddr & 63) > 64 - 16) {
			uint64_t size = (uint64_t)1 << qemu_plugin_mem_size_shift(info);
			uint64_t last = (vaddr + size - 1) & LINE_MASK;
			if (last != first)
				touch(DATA, last);
		}
	}
	unlock_if_multi();
}

/* Memory userdata: 1 if the instruction is in the kernel half.  One
 * callback for loads and stores: QEMU 7.2 does not filter callbacks by
 * QEMU_PLUGIN_MEM_R / _W as documented (measured: a _W callback ran for
 * loads too, an _R one for stores only). */
static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	if (vcpu != 0)
		return;
	if (qemu_plugin_mem_is_store(info))
		now.stores[(uintptr_t)udata]++;
	else
		now.loads[(uintptr_t)udata]++;
	if (n_open)
		data_access(info, vaddr);
}

/* --- Translation ----------------------------------------------------------- */

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	size_t n = qemu_plugin_tb_n_insns(tb);
	uint64_t prev_line = NO_LINE;
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint64_t pc = qemu_plugin_insn_vaddr(insn);
		size_t size = qemu_plugin_insn_size(insn);
		uint8_t bytes[16];
		uintptr_t marker = marker_of(bytes, compat_insn_bytes(insn, bytes, sizeof(bytes)));
		if (marker) {
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, COMPAT_REGS,
							       (void *)marker);
			prev_line = NO_LINE; /* the next instruction may be in a region */
			continue;
		}
		unsigned k = is_kernel(pc);
		if (profile)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_profile, QEMU_PLUGIN_CB_NO_REGS,
							       (void *)(uintptr_t)pc);
		compat_count_insn(insn, &insns[k], 1);
		qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_RW, (void *)(uintptr_t)k);
		uint64_t first = pc & LINE_MASK;
		uint64_t last = (pc + (size ? size : 1) - 1) & LINE_MASK;
		if (first != prev_line || last != first)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_fetch, QEMU_PLUGIN_CB_NO_REGS,
							       (void *)(uintptr_t)(first | (last != first)));
		prev_line = last;
	}
}

/* --- Report ------------------------------------------------------------------ */

/* total / occurrences: an integer when exact, else three decimals. */
static void put_mean(struct buf *b, const char *key, uint64_t total, uint64_t occ)
{
	if (!occ)
		put(b, "\"%s\":0", key);
	else if (total % occ == 0)
		put(b, "\"%s\":%" PRIu64, key, total / occ);
	else
		put(b, "\"%s\":%.3f", key, (double)total / (double)occ);
}

static void report_region(struct region *r)
{
	uint64_t fetch[2] = { 0 }, data[2] = { 0 }, lines[2] = { 0 }, pages[2] = { 0 };
	set_count(&r->all[FETCH], fetch);
	set_count(&r->all[DATA], data);
	set_count(&r->all_lines, lines);
	set_count(&r->all_pages, pages);

	struct buf b = { .len = 0 };
	put(&b, "@@ipclab-footprint {\"region\":%u,\"occurrences\":%" PRIu64
		",\"unmatched\":%" PRIu64 ",\"unclosed\":%" PRIu64,
	    r->id, r->occurrences, r->unmatched, r->unclosed);
	static const char *const side[2] = { "user", "kernel" };
	for (int k = 1; k >= 0; k--) {
		put(&b, ",\"%s\":{\"instructions\":%" PRIu64 ",\"loads\":%" PRIu64
			",\"stores\":%" PRIu64 ",\"lines\":%" PRIu64 ",\"fetch_lines\":%" PRIu64
			",\"data_lines\":%" PRIu64 ",\"pages\":%" PRIu64 ",\"per_occurrence\":{",
		    side[k], r->total.insns[k], r->total.loads[k], r->total.stores[k], lines[k],
		    fetch[k], data[k], pages[k]);
		put_mean(&b, "instructions", r->total.insns[k], r->occurrences);
		put(&b, ",");
		put_mean(&b, "loads", r->total.loads[k], r->occurrences);
		put(&b, ",");
		put_mean(&b, "stores", r->total.stores[k], r->occurrences);
		put(&b, "}}");
	}
	if (r->has_cr3)
		put(&b, ",\"cr3\":\"%" PRIx64 "\"", r->cr3);
	put(&b, ",\"last\":{\"kernel_lines\":%" PRIu64 ",\"user_lines\":%" PRIu64
		",\"kernel_pages\":%" PRIu64 ",\"user_pages\":%" PRIu64
		",\"kernel_instructions\":%" PRIu64 ",\"user_instructions\":%" PRIu64 "}} @@end\n",
	    r->last_lines[1], r->last_lines[0], r->last_pages[1], r->last_pages[0],
	    r->last.insns[1], r->last.insns[0]);
	qemu_plugin_outs(b.text);
}

static int by_region_then_pc(const void *a, const void *b)
{
	const struct pc_count *x = a, *y = b;
	if (x->region != y->region)
		return x->region < y->region ? -1 : 1;
	return x->pc < y->pc ? -1 : x->pc > y->pc;
}

/* One profile line per region, addresses in order. */
static void report_profile(void)
{
	size_t n = 0;
	for (size_t i = 0; i < pcs_cap; i++)
		if (pcs[i].pc)
			pcs[n++] = pcs[i];          /* compacts the table: it is not used again */
	qsort(pcs, n, sizeof(*pcs), by_region_then_pc);
	for (size_t i = 0; i < n;) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		if (!f) {
			fputs("footprint: out of memory\n", stderr);
			abort();
		}
		uint32_t region = pcs[i].region;
		fprintf(f, "@@ipclab-profile {\"region\":%u,\"pcs\":[", region);
		for (const char *sep = ""; i < n && pcs[i].region == region; i++, sep = ",")
			fprintf(f, "%s[\"%" PRIx64 "\",%" PRIu64 "]", sep, pcs[i].pc, pcs[i].n);
		fputs("]} @@end\n", f);
		fclose(f);
		qemu_plugin_outs(text);
		free(text);
	}
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	pthread_mutex_lock(&lock);
	finished = true;
	unsigned measured = 0;
	for (unsigned i = 0; i < 0x10000; i++) {
		struct region *r = regions[i];
		if (!r)
			continue;
		if (r->open)
			r->unclosed++;
		report_region(r);
		measured++;
	}
	if (profile)
		report_profile();
	struct counts at = counts_now();
	char line[256];
	snprintf(line, sizeof(line),
		 "footprint: %u region id(s); whole run: %" PRIu64 " kernel, %" PRIu64
		 " user instructions\n",
		 measured, at.insns[1], at.insns[0]);
	qemu_plugin_outs(line);
	pthread_mutex_unlock(&lock);
}

/* A vCPU starts: the compat layer looks up the registers it reads. */
static void on_vcpu_init(qemu_plugin_id_t id, unsigned int vcpu)
{
	(void)id;
	compat_vcpu_init(vcpu);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	if (!compat_check(info, "footprint"))
		return -1;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "profile=on") && strcmp(argv[i], "profile=off")) {
			fprintf(stderr, "footprint: unknown option %s (it takes profile=on|off)\n",
				argv[i]);
			return -1;
		}
		profile = !strcmp(argv[i], "profile=on");
	}
	if (info->system_emulation && info->system.max_vcpus > 1) {
		multi_vcpu = true;
		if (!COMPAT_COUNTER_PER_VCPU)
			fprintf(stderr, "footprint: %d vCPUs: only vCPU 0 is measured, but every "
					"vCPU's instructions are counted\n",
				info->system.max_vcpus);
	}
	compat_counter_init(&insns[0]);
	compat_counter_init(&insns[1]);
	qemu_plugin_register_vcpu_init_cb(id, on_vcpu_init);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
