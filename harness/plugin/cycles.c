/*
 * cycles: a QEMU 7.2 TCG plugin that estimates the cycles of each marked
 * region occurrence with a simple, deterministic model of one CPU (a
 * profile file, e.g. harness/plugin/profiles/skylake.conf).  Run it under
 * `-icount shift=0` and a run repeats bit for bit.
 *
 * Regions are the footprint plugin's (plugin_common.h): a begin and an end
 * marker NOP per region ID.  For every occurrence the model adds up
 *   - a cost per instruction, by class (syscall, sysret, swapgs, iretq,
 *     int, mov to cr3, invlpg, invpcid, wrmsr, rdmsr, rdtsc(p), fences,
 *     cpuid, in/out, rep movs/stos by length, locked, div; a default);
 *   - for each load, the latency beyond an L1 hit of the level that holds
 *     the line (L1D, L2, L3 or memory: set-associative LRU caches indexed
 *     by physical address); stores fill the caches but cost nothing more
 *     (the store buffer hides them);
 *   - for each fetch of a new 64-byte code line, the same for L1I;
 *   - for each translation, nothing on an L1 TLB hit, the second-level
 *     TLB's latency on a hit there, else a page walk: one load per level
 *     through L1D/L2/L3 to a synthetic page-table line derived from the
 *     address-space tag and the VA bits above that level, so that 8 PTEs
 *     share a line as they do in real tables.
 * Two copies of the model run side by side: "warm" is never emptied;
 * "cold" is emptied at each region begin (and only runs while a region is
 * open), so each occurrence starts with empty caches and TLBs.
 * Instruction costs are the same in both, so they are counted once, by
 * QEMU's inline adds; a callback runs only for an instruction that starts a
 * code line or is special (rep, CR3, invlpg, invpcid), and for every memory
 * access.  Only vCPU 0 is modelled.
 *
 * What the plugin cannot see (QEMU 7.2's API reads neither registers nor
 * guest memory): the value written to CR3, so the address space is
 * identified by a heuristic (space_tag_for_cr3_write), and the PCID
 * no-flush bit comes from the option cr3=flush|keep (the harness picks it
 * from the preset's PCID axis and the profile's pcid key); invlpg's
 * operand, so invlpg invalidates nothing; interrupt and exception
 * delivery, which cost nothing.  docs/cycles.md says more.
 *
 * Options: cpu=<profile file> (required), cr3=flush|keep (default flush:
 * a CR3 write empties the non-global TLB entries; keep: it keeps them, as
 * a PCID kernel's no-flush write does, and needs a profile with pcid = 1),
 * global=on|off (default on: kernel-half entries are global and survive a
 * CR3 write).
 *
 * Output at exit, one line per region ID through qemu_plugin_outs:
 *   @@ipclab-cycles {json} @@end
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_common.h"
#include "qemu_plugin_api.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define NAME "cycles"
#define MC 1000 /* costs are kept in thousandths of a cycle */
#define LINE_SHIFT 6
#define SHIFT_4K 12
#define SHIFT_2M 21
#define MAX_INSN 16
/* Synthetic page-table lines live above any host or guest-physical line. */
#define PT_BASE (1ull << 47)

/* --- QEMU calls that differ between plugin API versions ------------------------ */

/* Copy an instruction's bytes (at most max) into out; the number copied
 * (the compatibility layer's, qemu_plugin_api.h: 7.2 returns a pointer,
 * later APIs copy into a buffer). */
static size_t insn_bytes(const struct qemu_plugin_insn *insn, uint8_t *out, size_t max)
{
	return compat_insn_bytes(insn, out, max);
}

/* --- Instruction classes and the profile ------------------------------------- */

enum cls {
	C_DEFAULT, C_SYSCALL, C_SYSRET, C_SWAPGS, C_IRET, C_INT, C_MOV_CR3, C_MOV_CR,
	C_MOV_FROM_CR, C_INVLPG, C_INVPCID, C_WRMSR, C_RDMSR, C_RDTSC, C_RDTSCP, C_LFENCE,
	C_MFENCE, C_SFENCE, C_CPUID, C_IO, C_REP, C_LOCKED, C_DIV, C_CLI_STI, C_PAUSE,
	C_HLT, C_SYSTEM, N_CLS
};

static const char *const cls_name[N_CLS] = {
	"default", "syscall", "sysret", "swapgs", "iret", "int", "mov_cr3", "mov_cr",
	"mov_from_cr", "invlpg", "invpcid", "wrmsr", "rdmsr", "rdtsc", "rdtscp", "lfence",
	"mfence", "sfence", "cpuid", "io", "rep_start", "locked", "div", "cli_sti", "pause",
	"hlt", "system",
};

struct level_cfg {
	uint64_t size_kib, ways, latency;       /* latency in MC units */
};

struct tlb_cfg {
	uint64_t entries, ways, latency;        /* entries 0: none */
};

enum { L1I, L1D, L2, L3, N_CACHE };
enum { ITLB, ITLB2M, DTLB, DTLB2M, STLB, ITLB2, N_TLB };

struct profile {
	char name[64];
	struct level_cfg cache[N_CACHE];
	uint64_t memory_latency;
	struct tlb_cfg tlb[N_TLB];
	uint64_t stlb_shared;                  /* 1: the STLB serves code too */
	uint64_t pcid;                         /* 1: the CPU has PCID (cr3=keep allowed) */
	uint64_t cost[N_CLS];
	uint64_t mov_cr3_noflush, rep_per_line; /* rep: per 64 bytes moved */
};

static struct profile prof;

/* A profile key: its name, where its value goes, and whether it may have a
 * fraction (costs) or must be a whole number (sizes, counts). */
struct key {
	char name[32];
	uint64_t *value;
	bool fraction;
	bool seen;
};

static struct key keys[80];
static unsigned n_keys;

static void key_add(const char *name, uint64_t *value, bool fraction)
{
	struct key *k = &keys[n_keys++];
	snprintf(k->name, sizeof(k->name), "%s", name);
	k->value = value;
	k->fraction = fraction;
}

/* The table of every key a profile must set. */
static void keys_init(void)
{
	static const char *const cache_name[N_CACHE] = { "l1i", "l1d", "l2", "l3" };
	static const char *const tlb_name[N_TLB] = { "itlb", "itlb2m", "dtlb", "dtlb2m",
						     "stlb", "itlb2" };
	char name[32];
	for (int c = 0; c < N_CACHE; c++) {
		snprintf(name, sizeof(name), "%s.size_kib", cache_name[c]);
		key_add(name, &prof.cache[c].size_kib, false);
		snprintf(name, sizeof(name), "%s.ways", cache_name[c]);
		key_add(name, &prof.cache[c].ways, false);
		snprintf(name, sizeof(name), "%s.latency", cache_name[c]);
		key_add(name, &prof.cache[c].latency, true);
	}
	key_add("memory.latency", &prof.memory_latency, true);
	for (int t = 0; t < N_TLB; t++) {
		snprintf(name, sizeof(name), "%s.entries", tlb_name[t]);
		key_add(name, &prof.tlb[t].entries, false);
		snprintf(name, sizeof(name), "%s.ways", tlb_name[t]);
		key_add(name, &prof.tlb[t].ways, false);
		if (t == STLB || t == ITLB2) {
			snprintf(name, sizeof(name), "%s.latency", tlb_name[t]);
			key_add(name, &prof.tlb[t].latency, true);
		}
	}
	key_add("stlb.shared", &prof.stlb_shared, false);
	key_add("pcid", &prof.pcid, false);
	for (int c = 0; c < N_CLS; c++) {
		snprintf(name, sizeof(name), "cost.%s", cls_name[c]);
		key_add(name, &prof.cost[c], true);
	}
	key_add("cost.mov_cr3_noflush", &prof.mov_cr3_noflush, true);
	key_add("cost.rep_per_line", &prof.rep_per_line, true);
}

/* A decimal number with at most three fraction digits, in MC units; false
 * if text is not one. */
static bool parse_fixed(const char *text, uint64_t *out)
{
	uint64_t whole = 0, frac = 0, scale = MC;
	const char *p = text;
	if (!isdigit((unsigned char)*p))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (uint64_t)(*p - '0');
		if (whole > 1000000000ull)
			return false;
	}
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		for (; isdigit((unsigned char)*p); p++) {
			if (scale == 1)
				return false;
			scale /= 10;
			frac += (uint64_t)(*p - '0') * scale;
		}
	}
	if (*p)
		return false;
	*out = whole * MC + frac;
	return true;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = 0;
	return s;
}

/* Set one `key = value` line; an error message, or NULL. */
static const char *profile_set(char *line, char *why, size_t len)
{
	char *eq = strchr(line, '=');
	if (!eq)
		return "expected key = value";
	*eq = 0;
	char *name = trim(line), *text = trim(eq + 1);
	for (unsigned i = 0; i < n_keys; i++) {
		struct key *k = &keys[i];
		if (strcmp(k->name, name))
			continue;
		uint64_t v;
		if (!parse_fixed(text, &v) || (!k->fraction && v % MC)) {
			snprintf(why, len, "bad value '%s' for %s (expected %s)", text, name,
				 k->fraction ? "a number, e.g. 4 or 0.25" : "a whole number");
			return why;
		}
		if (k->seen) {
			snprintf(why, len, "%s is set twice", name);
			return why;
		}
		k->seen = true;
		*k->value = k->fraction ? v : v / MC;
		return NULL;
	}
	snprintf(why, len, "unknown key '%s'", name);
	return why;
}

static bool pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/* What is wrong with the sizes of a complete profile, or NULL. */
static const char *profile_check(char *why, size_t len)
{
	for (int c = 0; c < N_CACHE; c++) {
		uint64_t lines = prof.cache[c].size_kib * 1024 >> LINE_SHIFT;
		if (!prof.cache[c].ways || lines % prof.cache[c].ways ||
		    !pow2(lines / prof.cache[c].ways)) {
			snprintf(why, len, "cache %d: size/64/ways must be a power of two", c);
			return why;
		}
	}
	if (prof.stlb_shared > 1 || prof.pcid > 1) {
		snprintf(why, len, "stlb.shared and pcid must be 0 or 1");
		return why;
	}
	for (int t = 0; t < N_TLB; t++) {
		struct tlb_cfg *cfg = &prof.tlb[t];
		if (!cfg->entries && (t == ITLB || t == DTLB)) {
			snprintf(why, len, "itlb and dtlb need entries");
			return why;
		}
		if (cfg->entries && (!cfg->ways || cfg->entries % cfg->ways ||
				     !pow2(cfg->entries / cfg->ways))) {
			snprintf(why, len, "tlb %d: entries/ways must be a power of two", t);
			return why;
		}
	}
	return NULL;
}

/* Read the profile file; false after printing one line on stderr. */
static bool profile_load(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, NAME ": cannot read profile %s: %s\n", path, strerror(errno));
		return false;
	}
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	snprintf(prof.name, sizeof(prof.name), "%.*s", (int)strcspn(base, "."), base);
	keys_init();
	char line[512], why[160];
	const char *err = NULL;
	unsigned number = 0;
	while (!err && fgets(line, sizeof(line), f)) {
		number++;
		line[strcspn(line, "#\n")] = 0;
		if (*trim(line))
			err = profile_set(line, why, sizeof(why));
	}
	fclose(f);
	for (unsigned i = 0; !err && i < n_keys; i++)
		if (!keys[i].seen) {
			snprintf(why, sizeof(why), "%s is not set", keys[i].name);
			err = why;
			number = 0;
		}
	if (!err)
		err = profile_check(why, sizeof(why));
	if (err) {
		if (number)
			fprintf(stderr, NAME ": %s:%u: %s\n", path, number, err);
		else
			fprintf(stderr, NAME ": %s: %s\n", path, err);
		return false;
	}
	return true;
}

/* --- Set-associative LRU arrays (caches and TLBs) ---------------------------- */

#define GLOBAL_NG 0xffffffffu

/* An entry is valid when its gen is the array's gen (emptied: gen moves on)
 * and it is global or its ng is the array's ng (a CR3 write moves ng on). */
struct way {
	uint64_t key;
	uint32_t gen, ng;
};

struct array {
	struct way *w;
	uint64_t sets, ways;
	uint32_t gen, ng;
	uint32_t *set_ng;    /* TLBs: the ng each set was last compacted at */
	/* The last key accessed: it is at the front of its set, so accessing it
	 * again is a hit that changes nothing (valid while gen and ng stay). */
	uint64_t last_key;
	uint32_t last_gen, last_ng;
};

static inline bool way_valid(const struct array *a, const struct way *w)
{
	return w->gen == a->gen && (w->ng == GLOBAL_NG || w->ng == a->ng);
}

static void array_init(struct array *a, uint64_t entries, uint64_t ways, bool tlb)
{
	a->ways = ways ? ways : 1;
	a->sets = entries ? entries / a->ways : 0;
	a->w = entries ? plugin_calloc(NAME, entries, sizeof(*a->w)) : NULL;
	a->set_ng = entries && tlb ? plugin_calloc(NAME, a->sets, sizeof(*a->set_ng)) : NULL;
	a->gen = 1;
	a->ng = 1;
}

/* Move a set's valid entries to its front, in order: after a CR3 write the
 * non-global ones in the middle of a set are stale, and a lookup stops at
 * the first invalid way.  Done lazily, per set, at its next access. */
static void set_compact(struct array *a, uint64_t s)
{
	struct way *set = &a->w[s * a->ways];
	uint64_t n = 0;
	for (uint64_t i = 0; i < a->ways; i++)
		if (way_valid(a, &set[i]))
			set[n++] = set[i];
	for (; n < a->ways; n++)
		set[n].gen = 0;
	a->set_ng[s] = a->ng;
}

/* Look key up in set index; on a miss insert it.  The set is kept most
 * recent first.  True on a hit. */
static inline __attribute__((always_inline)) bool array_access(struct array *a, uint64_t key,
								 uint64_t index, bool global)
{
	if (key == a->last_key && a->gen == a->last_gen && a->ng == a->last_ng)
		return true;
	uint64_t s = index & (a->sets - 1);
	if (a->set_ng && a->set_ng[s] != a->ng)
		set_compact(a, s);
	a->last_key = key;
	a->last_gen = a->gen;
	a->last_ng = a->ng;
	struct way *set = &a->w[s * a->ways];
	uint64_t i;
	bool hit = false;
	/* The key first: a hit costs one compare per way before it. */
	for (i = 0; i < a->ways; i++)
		if (set[i].key == key && way_valid(a, &set[i]))
			break;
	hit = i < a->ways;
	if (!hit) {
		/* The valid ways come first: fill the first invalid one, or
		 * evict the least recent. */
		for (i = 0; i < a->ways - 1 && way_valid(a, &set[i]); i++)
			;
	}
	struct way w = { key, a->gen, global ? GLOBAL_NG : a->ng };
	for (; i > 0; i--)
		set[i] = set[i - 1];
	set[0] = w;
	return hit;
}

/* Empty the array: every entry, or the non-global ones. */
static void array_flush(struct array *a, bool non_global_only)
{
	if (!a->w)
		return;
	if (non_global_only) {
		if (++a->ng == GLOBAL_NG) {
			/* Wrapped: entries of an old ng could look current again. */
			for (uint64_t i = 0; i < a->sets * a->ways; i++)
				if (a->w[i].ng != GLOBAL_NG)
					a->w[i].gen = 0;
			a->ng = 1;
			memset(a->set_ng, 0, a->sets * sizeof(*a->set_ng));
		}
		return;
	}
	if (++a->gen == 0) {
		memset(a->w, 0, a->sets * a->ways * sizeof(*a->w));
		a->gen = 1;
	}
}

/* --- The model ------------------------------------------------------------------ */

enum { P_INSN, P_DATA, P_FETCH, P_TLB, N_PART };
static const char *const part_name[N_PART] = { "instructions", "data", "fetch", "tlb" };

struct model {
	struct array cache[N_CACHE], tlb[N_TLB];
	uint64_t part[N_PART]; /* MC units, always running */
};

static struct model warm, cold;

static void model_init(struct model *m)
{
	for (int c = 0; c < N_CACHE; c++) {
		struct level_cfg *cfg = &prof.cache[c];
		array_init(&m->cache[c], cfg->size_kib * 1024 >> LINE_SHIFT, cfg->ways, false);
	}
	for (int t = 0; t < N_TLB; t++)
		array_init(&m->tlb[t], prof.tlb[t].entries, prof.tlb[t].ways, true);
}

static void model_flush(struct model *m)
{
	for (int c = 0; c < N_CACHE; c++)
		array_flush(&m->cache[c], false);
	for (int t = 0; t < N_TLB; t++)
		array_flush(&m->tlb[t], false);
}

static void tlb_flush_non_global(struct model *m)
{
	for (int t = 0; t < N_TLB; t++)
		array_flush(&m->tlb[t], true);
}

/* The latency (MC) of a physical line through L1 (L1I or L1D), L2, L3 and
 * memory; the levels that missed are filled. */
static uint64_t cache_access(struct model *m, int l1, uint64_t line)
{
	uint64_t index = line >> LINE_SHIFT;
	if (array_access(&m->cache[l1], line, index, true))
		return prof.cache[l1].latency;
	if (array_access(&m->cache[L2], line, index, true))
		return prof.cache[L2].latency;
	if (array_access(&m->cache[L3], line, index, true))
		return prof.cache[L3].latency;
	return prof.memory_latency;
}

/* The guest's address space, as far as the plugin can tell (1..0xfffe;
 * 0 is for global entries). */
static uint64_t space_tag = 2;
static bool global_kernel = true, cr3_keep;

/* The synthetic physical line of a page-table entry: the table at level
 * (3: PML4 .. 0: PT) that maps va, in space tag.  Tables below the PML4 of
 * the kernel half are shared by every space, as arch/x86_64/mmu.c does. */
static uint64_t pte_line(uint64_t va, int level, uint64_t tag)
{
	uint64_t table = level == 3 ? 0 : va >> (12 + 9 * (level + 1));
	uint64_t owner = is_kernel(va) && level < 3 ? 0 : tag;
	uint64_t h = (table * 0x9e3779b97f4a7c15ull) ^ (owner * 0xc2b2ae3d27d4eb4full) ^
		     ((uint64_t)level << 56);
	h *= 0xff51afd7ed558ccdull;
	uint64_t frame = (h >> 30) & ((1ull << 34) - 1);
	uint64_t index = va >> (12 + 9 * level) & 511;
	return (PT_BASE | frame << 12 | index * 8) & ~(uint64_t)63;
}

/* The cost (MC) of translating va, for code (itlb) or data. */
static uint64_t translate(struct model *m, uint64_t va, bool code)
{
	bool kernel = is_kernel(va);
	bool big = kernel;                       /* the kernel maps 2 MiB pages */
	unsigned shift = big ? SHIFT_2M : SHIFT_4K;
	bool global = kernel && global_kernel;
	uint64_t tag = global ? 0 : space_tag;
	uint64_t vpn = va >> shift;
	uint64_t key = vpn << 17 | (uint64_t)big << 16 | tag;
	int l1 = code ? (big && m->tlb[ITLB2M].w ? ITLB2M : ITLB)
		      : (big && m->tlb[DTLB2M].w ? DTLB2M : DTLB);
	if (array_access(&m->tlb[l1], key, vpn, global))
		return 0;
	int l2 = code && !prof.stlb_shared ? ITLB2 : STLB;
	if (m->tlb[l2].w && array_access(&m->tlb[l2], key, vpn, global))
		return prof.tlb[l2].latency;
	uint64_t cost = m->tlb[l2].w ? prof.tlb[l2].latency : 0;
	for (int level = 3; level >= (big ? 1 : 0); level--)
		cost += cache_access(m, L1D, pte_line(va, level, space_tag));
	return cost;
}

/* A load or store at va, physical pa. */
static inline void model_data(struct model *m, uint64_t va, uint64_t pa, bool store)
{
	m->part[P_TLB] += translate(m, va, false);
	uint64_t lat = cache_access(m, L1D, pa & ~(uint64_t)63);
	if (!store)
		m->part[P_DATA] += lat - prof.cache[L1D].latency;
}

/* --- Instructions ------------------------------------------------------------- */

enum {
	F_FETCH = 1,     /* begins a new code line */
	F_CROSS = 2,     /* crosses into the next code line */
	F_CR3_READ = 4,  /* mov from cr3 */
};

/* What an executed instruction needs, fixed at translation. */
struct insn {
	uint64_t va, line;   /* line: the physical (host) address of its first code line */
	uint64_t cost;       /* MC */
	uint8_t cls, flags, rep_elem;
};

/* Instruction records are never freed: a TB may be translated again, but
 * the count stays bounded by the guest's code. */
static struct insn *pool;
static size_t pool_left;

static struct insn *insn_new(void)
{
	if (!pool_left) {
		pool_left = 4096;
		pool = plugin_calloc(NAME, pool_left, sizeof(*pool));
	}
	pool_left--;
	return pool++;
}

static inline bool modrm_mem(uint8_t modrm)
{
	return modrm >> 6 != 3;
}

/* The class of a two-byte (0f xx) opcode at b[0..n). */
static enum cls classify_0f(const uint8_t *b, size_t n, bool lock, bool opsize, uint8_t *flags)
{
	uint8_t op = n > 1 ? b[1] : 0, modrm = n > 2 ? b[2] : 0, reg = modrm >> 3 & 7;
	switch (op) {
	case 0x05: return C_SYSCALL;
	case 0x07: return C_SYSRET;
	case 0x01:
		if (modrm == 0xf8) return C_SWAPGS;
		if (modrm == 0xf9) return C_RDTSCP;
		if (modrm_mem(modrm) && reg == 7) return C_INVLPG;
		if (modrm_mem(modrm) && (reg == 2 || reg == 3)) return C_SYSTEM;  /* lgdt, lidt */
		return C_DEFAULT;
	case 0x22: return reg == 3 ? C_MOV_CR3 : C_MOV_CR;
	case 0x20:
		if (reg == 3)
			*flags |= F_CR3_READ;
		return C_MOV_FROM_CR;
	case 0x30: return C_WRMSR;
	case 0x32: return C_RDMSR;
	case 0x31: return C_RDTSC;
	case 0xa2: return C_CPUID;
	case 0x00: return reg == 2 || reg == 3 ? C_SYSTEM : C_DEFAULT;        /* lldt, ltr */
	case 0x08: case 0x09: return C_SYSTEM;                                /* invd, wbinvd */
	case 0xae:
		if (modrm >= 0xe8 && modrm <= 0xef) return C_LFENCE;
		if (modrm >= 0xf0 && modrm <= 0xf7) return C_MFENCE;
		if (modrm >= 0xf8) return C_SFENCE;
		if (modrm_mem(modrm) && (reg == 4 || reg == 5)) return C_SYSTEM;  /* xsave, xrstor */
		return C_DEFAULT;
	case 0x38: return n > 2 && b[2] == 0x82 && opsize ? C_INVPCID : C_DEFAULT;
	case 0xb0: case 0xb1: case 0xc0: case 0xc1: case 0xc7:
		return lock ? C_LOCKED : C_DEFAULT;
	default: return lock ? C_LOCKED : C_DEFAULT;
	}
}

/* The class of the instruction in b[0..n); rep_elem gets the bytes a rep
 * movs/stos moves per iteration. */
static enum cls classify(const uint8_t *b, size_t n, uint8_t *rep_elem, uint8_t *flags)
{
	bool lock = false, rep = false, opsize = false, wide = false;
	size_t i = 0;
	for (; i < n; i++) {
		uint8_t p = b[i];
		if (p == 0xf0) lock = true;
		else if (p == 0xf3 || p == 0xf2) rep = p == 0xf3;
		else if (p == 0x66) opsize = true;
		else if (p != 0x67 && p != 0x2e && p != 0x36 && p != 0x3e && p != 0x26 &&
			 p != 0x64 && p != 0x65) break;
	}
	if (i + 1 < n && (b[i] & 0xf0) == 0x40) {    /* REX (64-bit code) */
		wide = b[i] & 8;
		i++;
	}
	if (i >= n)
		return C_DEFAULT;
	b += i;
	n -= i;
	uint8_t op = b[0], modrm = n > 1 ? b[1] : 0, reg = modrm >> 3 & 7;
	if (op == 0x0f)
		return classify_0f(b, n, lock, opsize, flags);
	switch (op) {
	case 0xcf: return C_IRET;
	case 0xcc: case 0xcd: return C_INT;
	case 0xf4: return C_HLT;
	case 0xfa: case 0xfb: return C_CLI_STI;
	case 0xe4: case 0xe5: case 0xe6: case 0xe7: case 0xec: case 0xed: case 0xee: case 0xef:
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:
		return C_IO;
	case 0xa4: case 0xaa:
		*rep_elem = 1;
		return rep ? C_REP : C_DEFAULT;
	case 0xa5: case 0xab:
		*rep_elem = wide ? 8 : opsize ? 2 : 4;
		return rep ? C_REP : C_DEFAULT;
	case 0x90: return rep ? C_PAUSE : C_DEFAULT;
	case 0x86: case 0x87: return modrm_mem(modrm) ? C_LOCKED : C_DEFAULT;
	case 0xf6: case 0xf7: return reg >= 6 ? C_DIV : lock ? C_LOCKED : C_DEFAULT;
	default: return lock ? C_LOCKED : C_DEFAULT;
	}
}

/* --- Regions ----------------------------------------------------------------------- */

/* One finished occurrence: instructions, and cycles (MC) of each model. */
enum { S_INSNS, S_WARM, S_COLD, N_SAMPLE };
struct sample {
	uint64_t v[N_SAMPLE];
};

struct region {
	unsigned id;
	bool open;
	uint64_t unmatched, unclosed;
	uint64_t snap_insns, snap_insn_mc, snap_warm[N_PART], snap_cold[N_PART];
	struct sample *s;
	size_t n, cap;
	uint64_t sum_warm[N_PART], sum_cold[N_PART];
};

static struct region *regions[0x10000];
static unsigned n_open;
/* Instructions executed (as footprint counts them) and their costs (MC):
 * the same in both models, so counted once, inline (the compatibility
 * layer's counters) but for rep, whose iterations on_insn adds apart. */
static struct compat_counter insns_inline, insn_mc_inline;
static uint64_t insns_rep, insn_mc_rep;

/* Instructions and their cost so far (vCPU 0's, where the API tells vCPUs apart). */
static uint64_t insns_now(void)
{
	return compat_counter_read(&insns_inline, 0) + insns_rep;
}

static uint64_t insn_mc_now(void)
{
	return compat_counter_read(&insn_mc_inline, 0) + insn_mc_rep;
}
static uint64_t prev_rep = ~(uint64_t)0;  /* address of the last rep instruction executed */
static uint64_t prev_rep_insns;      /* insns just after it */
static uint64_t last_kernel_load;    /* address of the kernel's latest load */
static bool cr3_read;                /* a mov from cr3 since that load */

static uint64_t sum(const uint64_t *part)
{
	uint64_t s = 0;
	for (int p = 0; p < N_PART; p++)
		s += part[p];
	return s;
}

static struct region *region_get(unsigned id)
{
	if (!regions[id]) {
		regions[id] = plugin_calloc(NAME, 1, sizeof(struct region));
		regions[id]->id = id;
	}
	return regions[id];
}

/* A begin: the cold model starts empty, so this occurrence starts cold. */
static void region_begin(unsigned id)
{
	struct region *r = region_get(id);
	if (r->open)
		r->unclosed++;
	else
		n_open++;
	r->open = true;
	model_flush(&cold);
	r->snap_insns = insns_now();
	r->snap_insn_mc = insn_mc_now();
	memcpy(r->snap_warm, warm.part, sizeof(warm.part));
	memcpy(r->snap_cold, cold.part, sizeof(cold.part));
}

static void region_end(unsigned id)
{
	struct region *r = region_get(id);
	if (!r->open) {
		r->unmatched++;
		return;
	}
	r->open = false;
	n_open--;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 128;
		r->s = realloc(r->s, r->cap * sizeof(*r->s));
		if (!r->s)
			abort();
	}
	struct sample *s = &r->s[r->n++];
	uint64_t cost = insn_mc_now() - r->snap_insn_mc;
	s->v[S_INSNS] = insns_now() - r->snap_insns;
	for (int p = 0; p < N_PART; p++) {
		r->sum_warm[p] += warm.part[p] - r->snap_warm[p];
		r->sum_cold[p] += cold.part[p] - r->snap_cold[p];
	}
	r->sum_warm[P_INSN] += cost;
	r->sum_cold[P_INSN] += cost;
	s->v[S_WARM] = cost + sum(warm.part) - sum(r->snap_warm);
	s->v[S_COLD] = cost + sum(cold.part) - sum(r->snap_cold);
}

/*
 * The physical page of recent virtual pages, so that most accesses skip
 * QEMU's lookup.  A mapping may change only with a CR3 write, invlpg or
 * invpcid (a guest that changes a present entry must flush it), and each of
 * those moves the epoch on, which empties the memo.
 */
#define PAGE_MEMO 1024
struct page_memo {
	uint64_t vpage, ppage, epoch;
	bool io;
};
static struct page_memo memo[PAGE_MEMO];
static uint64_t mapping_epoch = 1;

/* The memo entry of vaddr's page, filled from QEMU if need be; NULL if QEMU
 * cannot say. */
static inline const struct page_memo *page_of(qemu_plugin_meminfo_t info, uint64_t vaddr)
{
	uint64_t vpage = vaddr >> SHIFT_4K;
	struct page_memo *m = &memo[vpage & (PAGE_MEMO - 1)];
	if (m->epoch == mapping_epoch && m->vpage == vpage)
		return m;
	struct qemu_plugin_hwaddr *hw = qemu_plugin_get_hwaddr(info, vaddr);
	if (!hw)
		return NULL;
	m->io = qemu_plugin_hwaddr_is_io(hw);
	m->ppage = m->io ? 0 : qemu_plugin_hwaddr_phys_addr(hw) >> SHIFT_4K;
	m->vpage = vpage;
	m->epoch = mapping_epoch;
	return m;
}

/* --- Execution callbacks ------------------------------------------------------- */

static void on_marker(unsigned int vcpu, void *udata)
{
	uintptr_t m = (uintptr_t)udata;
	if (vcpu != 0)
		return;
	if ((m >> 16) == MARKER_BEGIN)
		region_begin(m & 0xffff);
	else
		region_end(m & 0xffff);
}

/*
 * Provenance of kernel stores, one level: prov says, for an address the
 * kernel last wrote with a plain copy (a 64-bit mov of a register that a
 * 64-bit mov loaded earlier in the same translation block, nothing else
 * writing a register between), the address that value was loaded from.
 * KPTI's entry and exit load CR3 from a per-CPU slot, the same address for
 * every space; the slot's provenance is the space's own record.  Any other
 * kernel store to the address forgets it.  Direct-mapped: a collision
 * forgets the older entry, and the CR3 write then falls back to the slot.
 */
#define PROV_SLOTS 4096
struct prov {
	uint64_t addr, from;   /* addr 0: empty */
};
static struct prov prov[PROV_SLOTS];
static uint64_t reg_loaded[16];      /* where each register's last plain mov load read */

static inline struct prov *prov_slot(uint64_t addr)
{
	return &prov[(addr >> 3) * 0x9e3779b97f4a7c15ull >> 52];
}

/* Where the value at addr was copied from, or addr if it was not a copy. */
static uint64_t prov_origin(uint64_t addr)
{
	const struct prov *p = prov_slot(addr);
	return p->addr == addr ? p->from : addr;
}

/*
 * A CR3 write switches the space tag.  The value is not visible, so:
 * a value derived from a read of CR3 (mov from cr3 since the kernel's last
 * load) flips bit 0 of the tag (a pair of tables for one space);
 * otherwise the space is named by the address the kernel's last load read,
 * which is where the kernel read the new CR3 value from (the space's own
 * record), so each space keeps one tag; or, when that address holds a copy
 * (KPTI's per-CPU slots), by the address the copy was loaded from.
 */
static void space_tag_for_cr3_write(void)
{
	if (cr3_read) {
		space_tag ^= 1;
		return;
	}
	uint64_t h = prov_origin(last_kernel_load) * 0x9e3779b97f4a7c15ull;
	space_tag = (h >> 48 & 0xfffe) | 2;
}

/* The fetch of insn d in model m. */
static inline void model_fetch(struct model *m, const struct insn *d)
{
	if (!(d->flags & (F_FETCH | F_CROSS)))
		return;
	m->part[P_TLB] += translate(m, d->va, true);
	uint64_t l1 = prof.cache[L1I].latency;
	if (d->flags & F_FETCH)
		m->part[P_FETCH] += cache_access(m, L1I, d->line) - l1;
	if (d->flags & F_CROSS)
		m->part[P_FETCH] += cache_access(m, L1I, d->line + 64) - l1;
}

static void on_insn(unsigned int vcpu, void *udata)
{
	const struct insn *d = udata;
	if (vcpu != 0)
		return;
	if (d->cls == C_REP) {
		/* QEMU executes a rep instruction once per iteration, plus once:
		 * the first time it costs the start-up, then per bytes moved. */
		uint64_t now = insns_now();
		bool again = prev_rep == d->va && prev_rep_insns == now;  /* may be another TB */
		insn_mc_rep += again ? prof.rep_per_line * d->rep_elem / 64 : d->cost;
		insns_rep++;
		prev_rep = d->va;
		prev_rep_insns = now + 1;
	}
	if (d->flags & F_CR3_READ)
		cr3_read = true;
	if (d->cls == C_MOV_CR3 || d->cls == C_INVPCID || d->cls == C_INVLPG)
		mapping_epoch++;
	if (d->cls == C_MOV_CR3 || d->cls == C_INVPCID) {
		if (d->cls == C_MOV_CR3)
			space_tag_for_cr3_write();
		if (!cr3_keep || d->cls == C_INVPCID) {
			tlb_flush_non_global(&warm);
			tlb_flush_non_global(&cold);
		}
	}
	model_fetch(&warm, d);
	if (n_open)
		model_fetch(&cold, d);
}

/* Memory userdata: M_KERNEL if the instruction is in the kernel half, and
 * what it is for provenance (M_LOAD, M_COPY) with its register << M_REG. */
enum { M_KERNEL = 1, M_LOAD = 2, M_COPY = 4, M_REG = 3 };

/* Provenance bookkeeping of a kernel access (m: its userdata). */
static inline void prov_note(uintptr_t m, uint64_t vaddr, bool store)
{
	unsigned reg = m >> M_REG & 15;
	if (!store) {
		if (m & M_LOAD)
			reg_loaded[reg] = vaddr;
		return;
	}
	struct prov *p = prov_slot(vaddr);
	if (m & M_COPY) {
		p->addr = vaddr;
		p->from = reg_loaded[reg];
	} else if (p->addr == vaddr) {
		p->addr = 0;
	}
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	if (vcpu != 0)
		return;
	uintptr_t m = (uintptr_t)udata;
	bool store = qemu_plugin_mem_is_store(info);
	if (m & M_KERNEL)
		prov_note(m, vaddr, store);
	const struct page_memo *page = page_of(info, vaddr);
	if (!page || page->io)
		return;                  /* device registers: not cached */
	if (!store && (m & M_KERNEL)) {
		last_kernel_load = vaddr;
		cr3_read = false;
	}
	uint64_t pa = page->ppage << SHIFT_4K | (vaddr & 4095);
	model_data(&warm, vaddr, pa, store);
	if (n_open)
		model_data(&cold, vaddr, pa, store);
}

/* --- Translation ------------------------------------------------------------- */

/* 1 if b[0..n) is `mov m64, %reg` (a load), 2 if `mov %reg, m64` (a store),
 * else 0; *reg gets the register. */
static int plain_mov64(const uint8_t *b, size_t n, unsigned *reg)
{
	size_t i = 0;
	while (i < n && (b[i] == 0x64 || b[i] == 0x65))  /* fs, gs: per-CPU slots */
		i++;
	if (i + 2 >= n || (b[i] & 0xf8) != 0x48)         /* REX.W, no operand-size prefix */
		return 0;
	uint8_t op = b[i + 1], modrm = b[i + 2];
	if ((op != 0x8b && op != 0x89) || !modrm_mem(modrm))
		return 0;
	*reg = (modrm >> 3 & 7) | (b[i] & 4 ? 8 : 0);
	return op == 0x8b ? 1 : 2;
}

/* The provenance part of an instruction's memory userdata; loaded: the
 * registers whose value is still what a plain mov load in this block read
 * (an instruction that may write a register empties it). */
static uintptr_t prov_kind(const uint8_t *b, size_t size, enum cls cls, uint16_t *loaded)
{
	unsigned reg;
	int mov = plain_mov64(b, size, &reg);
	if (mov == 1) {
		*loaded |= (uint16_t)(1u << reg);
		return M_LOAD | (uintptr_t)reg << M_REG;
	}
	if (mov == 2)
		return *loaded >> reg & 1 ? M_COPY | (uintptr_t)reg << M_REG : 0;
	if (cls != C_MOV_CR3)
		*loaded = 0;
	return 0;
}

static void on_tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	size_t n = qemu_plugin_tb_n_insns(tb);
	uint64_t prev_line = ~(uint64_t)0;
	uint16_t loaded = 0;
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		uint8_t b[MAX_INSN];
		size_t size = insn_bytes(insn, b, sizeof(b));
		uintptr_t marker = marker_of(b, size);
		if (marker) {
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_marker, QEMU_PLUGIN_CB_NO_REGS,
							       (void *)marker);
			prev_line = ~(uint64_t)0;
			continue;
		}
		struct insn *d = insn_new();
		d->va = qemu_plugin_insn_vaddr(insn);
		uintptr_t host = (uintptr_t)qemu_plugin_insn_haddr(insn);
		uint64_t where = host ? host : d->va;      /* the physical line, by its host copy */
		d->line = where & ~(uint64_t)63;
		uint64_t last = (where + (size ? size : 1) - 1) & ~(uint64_t)63;
		d->cls = (uint8_t)classify(b, size, &d->rep_elem, &d->flags);
		d->cost = d->cls == C_MOV_CR3 && cr3_keep ? prof.mov_cr3_noflush : prof.cost[d->cls];
		if (d->line != prev_line)
			d->flags |= F_FETCH;
		if (last != d->line)
			d->flags |= F_CROSS;
		prev_line = last;
		if (d->cls != C_REP) {
			compat_count_insn(insn, &insns_inline, 1);
			if (d->cost)
				compat_count_insn(insn, &insn_mc_inline, d->cost);
		}
		bool special = d->cls == C_REP || d->cls == C_MOV_CR3 || d->cls == C_INVPCID ||
			       d->cls == C_INVLPG || (d->flags & F_CR3_READ);
		if (special || (d->flags & (F_FETCH | F_CROSS)))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS,
							       d);
		uintptr_t m = prov_kind(b, size, d->cls, &loaded);
		qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_RW,
						 (void *)(is_kernel(d->va) ? m | M_KERNEL : 0));
	}
}

/* --- Report ------------------------------------------------------------------- */

static int by_value(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Median (the lower middle of an even count), min and max of field f of the
 * samples, in whole units after dividing by scale (rounded). */
static void put_stats(struct buf *b, const char *key, const struct region *r, size_t f,
		      uint64_t scale)
{
	uint64_t *v = plugin_calloc(NAME, r->n ? r->n : 1, sizeof(*v));
	for (size_t i = 0; i < r->n; i++)
		v[i] = r->s[i].v[f];
	qsort(v, r->n, sizeof(*v), by_value);
	uint64_t med = r->n ? v[(r->n - 1) / 2] : 0, lo = r->n ? v[0] : 0;
	uint64_t hi = r->n ? v[r->n - 1] : 0;
	put(b, ",\"%s\":{\"median\":%" PRIu64 ",\"min\":%" PRIu64 ",\"max\":%" PRIu64 "}", key,
	    (med + scale / 2) / scale, (lo + scale / 2) / scale, (hi + scale / 2) / scale);
	free(v);
}

/* The mean of each part per occurrence, in cycles with one decimal. */
static void put_parts(struct buf *b, const char *key, const uint64_t *part, uint64_t n)
{
	put(b, ",\"%s\":{", key);
	for (int p = 0; p < N_PART; p++)
		put(b, "%s\"%s\":%.1f", p ? "," : "", part_name[p],
		    n ? (double)part[p] / MC / (double)n : 0.0);
	put(b, "}");
}

static void report_region(const struct region *r)
{
	struct buf b = { .len = 0 };
	put(&b, "@@ipclab-cycles {\"region\":%u,\"profile\":\"%s\",\"cr3\":\"%s\","
		"\"global\":\"%s\",\"occurrences\":%zu,\"unmatched\":%" PRIu64
		",\"unclosed\":%" PRIu64,
	    r->id, prof.name, cr3_keep ? "keep" : "flush", global_kernel ? "on" : "off", r->n,
	    r->unmatched, r->unclosed + r->open);
	put_stats(&b, "instructions", r, S_INSNS, 1);
	put_stats(&b, "warm", r, S_WARM, MC);
	put_stats(&b, "cold", r, S_COLD, MC);
	put_parts(&b, "warm_parts", r->sum_warm, r->n);
	put_parts(&b, "cold_parts", r->sum_cold, r->n);
	put(&b, "} @@end\n");
	qemu_plugin_outs(b.text);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id;
	(void)udata;
	unsigned measured = 0;
	for (unsigned i = 0; i < 0x10000; i++) {
		if (regions[i]) {
			report_region(regions[i]);
			measured++;
		}
	}
	char line[320];
	snprintf(line, sizeof(line),
		 NAME ": %u region id(s); profile %s; cr3=%s (a CR3 write %s the non-global "
		 "TLB entries), global=%s; whole run: %" PRIu64 " instructions, %" PRIu64
		 " model cycles (warm)\n",
		 measured, prof.name, cr3_keep ? "keep" : "flush", cr3_keep ? "keeps" : "empties",
		 global_kernel ? "on" : "off", insns_now(), (insn_mc_now() + sum(warm.part)) / MC);
	qemu_plugin_outs(line);
}

/* Read one option; false after printing one line on stderr. */
static bool option(const char *arg, const char **cpu)
{
	if (!strncmp(arg, "cpu=", 4) && arg[4]) {
		*cpu = arg + 4;
		return true;
	}
	if (!strcmp(arg, "cr3=flush") || !strcmp(arg, "cr3=keep")) {
		cr3_keep = !strcmp(arg, "cr3=keep");
		return true;
	}
	if (!strcmp(arg, "global=on") || !strcmp(arg, "global=off")) {
		global_kernel = !strcmp(arg, "global=on");
		return true;
	}
	fprintf(stderr, NAME ": unknown option %s (it takes cpu=<profile file>, "
			"cr3=flush|keep, global=on|off)\n", arg);
	return false;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	if (!compat_check(info, NAME))
		return -1;
	compat_counter_init(&insns_inline);
	compat_counter_init(&insn_mc_inline);
	if (!info->system_emulation) {
		fprintf(stderr, NAME ": needs system emulation (physical addresses)\n");
		return -1;
	}
	const char *cpu = NULL;
	for (int i = 0; i < argc; i++)
		if (!option(argv[i], &cpu))
			return -1;
	if (!cpu) {
		fprintf(stderr, NAME ": no profile: give cpu=<file>, e.g. "
				"cpu=harness/plugin/profiles/skylake.conf\n");
		return -1;
	}
	if (!profile_load(cpu))
		return -1;
	if (cr3_keep && !prof.pcid) {
		/* A kernel on a CPU without PCID flushes on every CR3 write. */
		fprintf(stderr, NAME ": cr3=keep needs a CPU with PCID, but %s says pcid = 0\n",
			cpu);
		return -1;
	}
	if (info->system.max_vcpus > 1)
		fprintf(stderr, NAME ": %d vCPUs: only vCPU 0 is modelled\n",
			info->system.max_vcpus);
	model_init(&warm);
	model_init(&cold);
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
