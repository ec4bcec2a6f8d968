/* netbench: the e1000 driver benchmark (docs/e1000.md).
 *
 * For each build of the driver (user: the server in its own space, reached
 * by IPC; kernel: SYS_NIC, where the kernel was built with
 * E1000_IN_KERNEL=y) and each frame size it sends `frames` frames, each
 * with a sequence number and a checksum, in batches of up to `batch` per
 * request, and counts what comes back: in loopback (nic=loop, the default)
 * the PHY returns every frame and we verify each one; with nic=udp:PORT the
 * frames leave through QEMU to the harness's sink (harness/netbench.py),
 * which verifies them; with echo=K as well the sink sends every K-th frame
 * back (sequence numbers 0, K, 2K, ...), so frames also arrive from
 * outside, when they will: we wait for them in the driver (NIC_XFER's
 * wait: the interrupt path) and verify each one.  A thread at the lowest
 * priority soaks up idle time,
 * so busy time, CPU utilisation and cost per frame are measured.  One JSON
 * line per case (bench "e1000", case "<build>/<bytes>B").  Then the bad
 * input: malformed requests, a driver that faults, a driver that programs
 * garbage into the device.  Arguments: frames=N sizes=64,512,1500
 * batch=N itr=N[,N...] (interrupt throttling, 256 ns units: every build
 * runs once per value; cases "<case>/itrN" for N > 0) builds=user,kernel
 * checks=0|1 single=0|1 (also 64-byte frames one per request, case
 * "<build>/64B/batch1") unit=... nic=... echo=K */
#include "netbench.h"
#include <ipclab/result.h>

#define ROUNDS_MAX 8192                    /* per-request samples kept */
#define STALL_MAX 2000                     /* empty rounds before frames count as lost */
#define SOAK_GAP 200                       /* a longer gap: someone else ran */

static char unit[32] = "tsc";
static uint64_t tsc_khz;
static uint8_t mac[6];
static const uint8_t peer_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };   /* the sink: any address */
static bool peer;                          /* nic=udp:...: frames go to the host */
static uint64_t echo_every;                /* echo=K: the host returns seq 0, K, 2K, ... */
static bool use_bell = BELL_DEFAULT;       /* bell=0|1: how the user-level driver is reached */
static unsigned itr;
static uint64_t tx_total, tx_done;         /* since the driver started */
static uint64_t rounds[ROUNDS_MAX];
static unsigned failures;

static inline uint64_t rdtsc_plain(void)
{
	uint32_t lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* --- Idle time: the soaker runs only when nothing else can ------------- */

static volatile uint64_t soak_idle;
static volatile bool soak_on;

/* Between cases it waits, so that an idle CPU halts (under icount a halted
 * CPU lets virtual time jump ahead; a spinning one does not). */
static void soaker(uint64_t unused)
{
	(void)unused;
	uint64_t bits;
	while (ipc_wait(S_SOAKNOTE, &bits, TIMEOUT_FOREVER) == IPC_OK) {
		uint64_t last = rdtsc_plain();
		while (soak_on) {
			uint64_t now = rdtsc_plain();
			if (now - last < SOAK_GAP)
				soak_idle += now - last;
			last = now;
		}
	}
	sys_exit(0);
}

/* --- Arguments --------------------------------------------------------- */

#define SIZES_MAX 16
#define ITRS_MAX 8
#define FRAMES_MAX 100000000ul            /* per case: hours under TCG, more is a typo */
#define ECHO_MAX 1000000ul

/* What each build runs: the cases and the checks. */
struct plan {
	uint64_t sizes[SIZES_MAX], itrs[ITRS_MAX];
	unsigned nsizes, nitrs;
	uint64_t frames;
	unsigned batch;
	bool single, checks;
};

/* nic=: loop, or udp:PORT (frames to the harness's sink); false if neither. */
static bool nic_known(const char *nic)
{
	if (!strcmp(nic, "loop"))
		return true;
	if (strncmp(nic, "udp:", 4) || !nic[4])
		return false;
	for (const char *p = nic + 4; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* count numbers (each below 100000), comma-separated, into out. */
static void join_numbers(char *out, size_t n, const uint64_t *v, unsigned count)
{
	size_t at = 0;
	out[0] = 0;
	for (unsigned i = 0; i < count && at < n; i++)
		at += (size_t)snprintf(out + at, n - at, "%s%lu", i ? "," : "", v[i]);
}

/* Every argument into pl and the globals; false (said in one line) if one
 * is bad. */
static bool read_args(const char *line, struct plan *pl, char *builds, size_t n)
{
	static const char *const units[] = { "tsc", "instructions", NULL };
	static const char *const bnames[] = { "user", "kernel", NULL };
	struct args a;
	char nic[32];
	args_init(&a, "netbench", line);
	args_names(&a, "unit", "tsc", ARGS_ONE, args_name_of_array, units, unit, sizeof(unit));
	args_names(&a, "builds", "user,kernel", ARGS_EXACT, args_name_of_array, bnames, builds, n);
	pl->nsizes = args_numbers(&a, "sizes", "64,512,1500", FRAME_HEADER, NIC_FRAME_MAX,
				  pl->sizes, SIZES_MAX);
	pl->nitrs = args_numbers(&a, "itr", "0", 0, 0xffff, pl->itrs, ITRS_MAX);
	if (args_text(&a, "nic", "loop", nic, sizeof(nic)) && !a.bad && !nic_known(nic))
		args_fail(&a, "nic", "unknown; accepted: loop or udp:PORT");
	peer = !strncmp(nic, "udp:", 4);
	pl->frames = args_number(&a, "frames", 20000, 1, FRAMES_MAX);
	pl->batch = (unsigned)args_number(&a, "batch", 32, 1, NIC_SLOTS - 2);
	pl->single = args_number(&a, "single", 1, 0, 1);
	pl->checks = args_number(&a, "checks", 1, 0, 1);
	echo_every = args_number(&a, "echo", 0, 0, ECHO_MAX);
	use_bell = args_number(&a, "bell", BELL_DEFAULT, 0, 1);
	if (!peer)
		echo_every = 0;                   /* echoes come from the sink only */
	return args_done(&a);
}

/* --- One case ---------------------------------------------------------- */

struct outcome {
	uint64_t sent, received, elapsed, idle, client, xfers, rx_bad, interrupts;
	struct frame_check chk;
	unsigned nrounds;
};

static uint8_t *tx_buf(uint64_t slot) { return region + NIC_TX_AREA + slot % NIC_SLOTS * NIC_BUF_SIZE; }
static uint8_t *rx_buf(uint64_t slot) { return region + NIC_RX_AREA + slot % NIC_SLOTS * NIC_BUF_SIZE; }

static uint64_t min3(uint64_t a, uint64_t b, uint64_t c)
{
	uint64_t m = a < b ? a : b;
	return m < c ? m : c;
}

/* Verify the frames of an answer: out[0] first slot, out[1] count. */
static void receive(const uint64_t out[3], unsigned stream, struct outcome *o)
{
	for (uint64_t i = 0; i < out[1]; i++) {
		uint64_t slot = (out[0] + i) % NIC_SLOTS;
		struct nic_rxinfo r = shared->rx[slot];
		if (!(r.status & 0x3) || r.errors) {        /* DD and EOP, no error */
			o->rx_bad++;
			o->chk.corrupted++;
			continue;
		}
		frame_check(rx_buf(slot), r.len, stream, &o->chk);
	}
	o->received += out[1];
}

/* How many of the first `sent` frames the host echoes. */
static uint64_t echoes(uint64_t sent)
{
	return echo_every ? (sent + echo_every - 1) / echo_every : 0;
}

/* At most how many more frames we may send now: in loopback and with an
 * echoing host every frame that comes back must find a free receive
 * buffer, so QEMU never has to drop or hold more than the ring takes. */
static uint64_t window(const struct outcome *o)
{
	uint64_t room = NIC_SLOTS - 2;
	if (!peer)
		return o->sent - o->received < room ? room - (o->sent - o->received) : 0;
	if (echo_every) {
		uint64_t upto = (o->received + room) * echo_every;
		return upto > o->sent ? upto - o->sent : 0;
	}
	return ~0ull;
}

/* Send frames of len bytes; in loopback or with an echoing host, receive
 * and check them too. */
static long run_case(struct driver *d, unsigned len, uint64_t frames, unsigned batch,
		     unsigned stream, struct outcome *o)
{
	uint64_t part[2], out[3];
	memset(o, 0, sizeof(*o));
	o->chk.stride = peer && echo_every ? echo_every : 1;
	for (unsigned k = 0; k < NIC_SLOTS; k++) {
		frame_fill_payload(tx_buf(k), len, part);
		shared->tx[k] = (struct nic_txreq){ NIC_TX_AREA + k * NIC_BUF_SIZE, len };
	}
	const uint8_t *dst = peer ? peer_mac : mac;
	unsigned stalls = 0;
	soak_on = true;
	ipc_notify(S_SOAKNOTE, 1);
	uint64_t idle0 = soak_idle, t0 = tsc_begin();
	bool receiving = !peer || echo_every;
	while (peer ? o->sent < frames || tx_done < tx_total || o->received < echoes(o->sent)
		    : o->received < o->sent || o->sent < frames) {
		uint64_t r0 = rdtsc_plain();
		uint64_t want = min3(batch, frames - o->sent, NIC_SLOTS - 1 - (tx_total - tx_done));
		uint64_t room = window(o);
		if (want > room)
			want = room;
		for (uint64_t i = 0; i < want; i++)
			frame_write_header(tx_buf(tx_total + i), len, dst, mac, stream, o->sent + i, part);
		uint64_t c = rdtsc_plain() - r0;
		/* Nothing to send, echoes due: wait for them (the driver sleeps
		 * until the device interrupts). */
		bool wait = peer && want == 0 && o->received < echoes(o->sent);
		long err = driver_call(d, NIC_XFER, want, receiving ? NIC_SLOTS - 1 : 0, wait, out);
		o->xfers++;
		if (err) {
			printf("netbench: NIC_XFER of %lu frames failed: error %ld\n", want, err);
			soak_on = false;
			return err;
		}
		tx_total += want;
		o->sent += want;
		tx_done = out[2];
		uint64_t r1 = rdtsc_plain();
		receive(out, stream, o);
		uint64_t r2 = rdtsc_plain();
		o->client += c + r2 - r1;
		uint64_t moved = want + out[1];
		if (moved && o->nrounds < ROUNDS_MAX)
			rounds[o->nrounds++] = (r2 - r0) / moved;
		if (moved) {
			stalls = 0;
		} else if (++stalls > STALL_MAX) {
			break;                              /* what is missing is lost */
		} else {
			sys_yield();
		}
	}
	o->elapsed = tsc_end() - t0;
	o->idle = soak_idle - idle0;
	soak_on = false;
	return IPC_OK;
}

/* --- Results ------------------------------------------------------------ */

/* A fraction as a JSON number with three decimals. */
static void fixed3(char *buf, size_t n, uint64_t num, uint64_t den)
{
	uint64_t v = den ? num * 1000 / den : 0;
	snprintf(buf, n, "%lu.%03lu", v / 1000, v % 1000);
}

static void print_result(enum build b, unsigned len, unsigned batch, unsigned stream,
			 const struct outcome *o, bool suffix)
{
	const char *bname = b == USER ? "user" : "kernel";
	char name[48], throttle[16] = "";
	if (itr)
		snprintf(throttle, sizeof(throttle), "/itr%u", itr);
	snprintf(name, sizeof(name), "%s/%uB%s%s", bname, len, suffix ? "/batch1" : "", throttle);
	uint64_t busy = o->elapsed > o->idle ? o->elapsed - o->idle : 0;
	uint64_t per = o->sent ? busy / o->sent : 0, client = o->sent ? o->client / o->sent : 0;
	uint64_t fps = o->elapsed ? o->sent * tsc_khz * 1000 / o->elapsed : 0;
	uint64_t kbit = o->elapsed ? o->sent * len * 8 * tsc_khz / o->elapsed : 0;
	bool icount = !strcmp(unit, "instructions");
	uint64_t sum = 0, sq = 0;
	unsigned n = o->nrounds;
	sort_u64(rounds, n);
	for (unsigned i = 0; i < n; i++)
		sum += rounds[i];
	uint64_t mean = n ? sum / n : 0;
	for (unsigned i = 0; i < n; i++)
		sq += (rounds[i] - mean) * (rounds[i] - mean);
	char util[16], mbit[24];
	fixed3(util, sizeof(util), busy, o->elapsed);
	fixed3(mbit, sizeof(mbit), kbit, 1000);
	uint64_t due = peer ? echoes(o->sent) : o->sent;
	uint64_t missing = due - (o->received < due ? o->received : due);
	printf(RESULT_BEGIN "{\"bench\":\"e1000\",\"case\":\"%s\",\"variant\":\"%s\","
	       "\"unit\":\"%s\",\"driver\":\"%s\",\"traffic\":\"%s\",\"frame_bytes\":%u,"
	       "\"transport\":\"%s\",\"batch\":%u,\"echo_every\":%lu,\"itr\":%u,\"interrupts\":%lu,\"stream\":%u,\"frames\":%lu,\"received\":%lu,"
	       "\"lost\":%lu,\"corrupted\":%lu,\"out_of_order\":%lu,\"elapsed\":%lu,\"busy\":%lu,"
	       "\"cpu_util\":%s,\"%s_per_frame\":%lu,\"client_per_frame\":%lu,"
	       "\"driver_per_frame\":%lu,\"requests\":%lu,\"frames_per_s\":%lu,\"mbit_per_s\":%s,"
	       "\"rate_basis\":\"%s\",\"samples\":%u,\"iterations\":%u,\"min\":%lu,\"median\":%lu,"
	       "\"mean\":%lu,\"stddev\":%lu,\"p99\":%lu,\"max\":%lu,\"overhead\":0}" RESULT_END "\n",
	       name, CONFIG_NAME, unit, bname, !peer ? "loopback" : echo_every ? "host-echo" : "host-peer",
	       len, b == KERNEL ? "syscall" : use_bell ? "doorbell" : "ipc", batch, echo_every, itr,
	       o->interrupts, stream, o->sent, o->received, missing + o->chk.lost, o->chk.corrupted,
	       o->chk.reordered, o->elapsed, busy, util, icount ? "instructions" : "tsc", per, client,
	       per > client ? per - client : 0, o->xfers, fps, mbit,
	       icount ? "guest virtual time under icount: bounded by the emulator, not a hardware rate"
		      : "guest TSC", n, batch, n ? rounds[0] : 0, n ? rounds[n / 2] : 0, mean,
	       n ? isqrt_u64(sq / n) : 0, n ? rounds[n * 99 / 100] : 0, n ? rounds[n - 1] : 0);
	if (missing + o->chk.lost + o->chk.corrupted + o->chk.reordered) {
		printf("netbench: %s: %lu lost, %lu corrupted, %lu out of order: FAIL\n", name,
		       missing + o->chk.lost, o->chk.corrupted, o->chk.reordered);
		failures++;
	}
}

/* Run one case and print its line; the interrupts are counted by the driver. */
static void measure(struct driver *d, enum build b, unsigned len, uint64_t frames, unsigned batch,
		    unsigned stream, bool suffix)
{
	struct outcome o;
	uint64_t before[3] = { 0, 0, 0 }, after[3] = { 0, 0, 0 };
	driver_call(d, NIC_STATS, 0, 0, 0, before);
	if (run_case(d, len, frames, batch, stream, &o)) {
		failures++;
		return;
	}
	driver_call(d, NIC_STATS, 0, 0, 0, after);
	o.interrupts = after[0] - before[0];
	print_result(b, len, batch, stream, &o, suffix);
}

/* --- Checks: one frame there and back, bad requests, bad drivers ------- */

static void test_line(const char *name, const char *why)
{
	if (why) {
		printf(TEST_PREFIX "%s FAIL %s\n", name, why);
		failures++;
	} else {
		printf(TEST_PREFIX "%s ok\n", name);
	}
}

/* One frame through the driver (and back, in loopback): NULL or why not. */
static const char *one_frame(struct driver *d)
{
	static unsigned stream = 900;
	struct outcome o;
	if (run_case(d, 64, 1, 1, ++stream, &o))
		return "NIC_XFER failed";
	if ((!peer || echo_every) && (o.chk.frames != 1 || o.chk.corrupted || o.chk.lost))
		return "the frame did not come back intact";
	return NULL;
}

/* Wait until the receiver takes frames (include/ipclab/nic.h, NIC_LINK):
 * probe with one frame, negotiate the link again while none comes back. */
static long settle(struct driver *d, const char *name)
{
	uint64_t out[3];
	for (unsigned tries = 0; tries < 8; tries++) {
		if ((peer && !echo_every) || !one_frame(d))
			return IPC_OK;
		long err = driver_call(d, NIC_LINK, 0, 0, 0, out);
		if (err) {
			printf("netbench: %s driver: NIC_LINK: error %ld\n", name, err);
			return err;
		}
	}
	printf("netbench: %s driver: no frame came back after 8 link negotiations\n", name);
	return E_TIMEOUT;
}

/* Malformed requests get an error, change nothing, and the driver goes on. */
static void check_bad_input(struct driver *d, const char *name)
{
	static const struct {
		uint32_t offset, len;
		long want;
	} bad[] = {
		{ 0, 64, E_FAULT },                                   /* our page 0 */
		{ NIC_RX_AREA, 64, E_FAULT },                         /* the receive buffers */
		{ NIC_REGION_PAGES * 4096 - 32, 64, E_FAULT },        /* past the region */
		{ ~0u - 8, 64, E_FAULT },                             /* wraps */
		{ NIC_TX_AREA, 0, E_INVAL },
		{ NIC_TX_AREA, 13, E_INVAL },                         /* shorter than a header */
		{ NIC_TX_AREA, NIC_FRAME_MAX + 1, E_TOOBIG },
		{ NIC_TX_AREA, 60000, E_TOOBIG },
	};
	char why[120];
	uint64_t out[3];
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		shared->tx[tx_total % NIC_SLOTS] = (struct nic_txreq){ bad[i].offset, bad[i].len };
		long err = driver_call(d, NIC_XFER, 1, 0, 0, out);
		if (err != bad[i].want) {
			snprintf(why, sizeof(why), "offset %x len %u: error %ld, not %ld", bad[i].offset,
				 bad[i].len, err, bad[i].want);
			test_line(name, why);
			return;
		}
	}
	long e1 = driver_call(d, NIC_XFER, NIC_SLOTS, 0, 0, out);
	long e2 = driver_call(d, 99, 0, 0, 0, out);
	if (e1 != E_INVAL || e2 != E_INVAL) {
		snprintf(why, sizeof(why), "64 frames at once: %ld; request 99: %ld", e1, e2);
		test_line(name, why);
		return;
	}
	test_line(name, one_frame(d));
}

/* A user-level driver that faults or programs garbage is stopped like any
 * program; the kernel goes on and a fresh driver works. */
static void check_bad_driver(uint32_t flags, const char *how, const char *name)
{
	struct driver d = { .bell = use_bell };
	uint64_t out[3];
	char why[120];
	if (driver_start(&d, USER, flags, how)) {
		test_line(name, "cannot start the driver");
		return;
	}
	tx_total = tx_done = 0;
	bool garbage = !strcmp(how, "garbage=1");
	long err = garbage ? IPC_OK : driver_call(&d, NIC_XFER, 0, 0, 0, out);
	driver_wait_end(&d);
	/* A driver dead before our call: its endpoint is gone already. */
	bool expected = garbage ? d.how == JOIN_EXITED && d.code == 0
				: (err == E_DEAD || err == E_BADCAP) && d.how == JOIN_FAULTED;
	if (!expected) {
		snprintf(why, sizeof(why), "%s: call %ld, driver how %lu code %lu", how, err, d.how,
			 d.code);
		test_line(name, why);
		return;
	}
	if (driver_start(&d, USER, flags, "")) {
		test_line(name, "cannot start a fresh driver");
		return;
	}
	tx_total = tx_done = 0;
	const char *fail = settle(&d, "fresh") ? "a fresh driver moves no frames" : NULL;
	driver_stop(&d);
	test_line(name, fail);
}

/* --- main --------------------------------------------------------------- */

static bool list_word(const char *list, const char *word)
{
	return list_has(list, word);
}

static long thread_start_soaker(void)
{
	long err = notify_create(S_SOAKNOTE);
	if (!err)
		err = thread_spawn(soaker, 0, S_SOAKER, SOAKER_PRIO);
	if (err)
		printf("netbench: cannot start the idle soaker: error %ld\n", err);
	return err;
}

/* Start build b with these attach flags, run every case of the plan and
 * its bad-input check, stop it.  Returns E_NOSYS if the kernel has no
 * driver, else IPC_OK (failures are counted). */
static long run_build(enum build b, uint32_t flags, const struct plan *pl)
{
	static unsigned stream;
	static const char *const bnames[] = { "user", "kernel" };
	struct driver d = { .bell = use_bell };
	uint64_t out[3];
	long err;
	if ((err = driver_start(&d, b, flags, ""))) {
		if (b == KERNEL && err == E_NOSYS)
			return err;
		printf("netbench: cannot start the %s driver: error %ld\n", bnames[b], err);
		failures++;
		return IPC_OK;
	}
	tx_total = tx_done = 0;
	if ((err = driver_call(&d, NIC_INFO, 0, 0, 0, out))) {
		printf("netbench: %s driver: NIC_INFO failed: error %ld\n", bnames[b], err);
		failures++;
		return IPC_OK;
	}
	for (unsigned i = 0; i < 6; i++)
		mac[i] = out[0] >> 8 * i;
	printf("netbench: %s driver: MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s, itr %u\n",
	       bnames[b], mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], out[1] ? "up" : "down", itr);
	if (settle(&d, bnames[b])) {
		failures++;
		driver_stop(&d);
		return IPC_OK;
	}
	for (unsigned i = 0; i < pl->nsizes; i++)
		measure(&d, b, (unsigned)pl->sizes[i], pl->frames, pl->batch, ++stream, false);
	if (pl->single)                         /* one frame per request: nothing amortised */
		measure(&d, b, 64, pl->frames, 1, ++stream, true);
	if (pl->checks)
		check_bad_input(&d, b == USER ? "e1000_user_bad_input" : "e1000_kernel_bad_input");
	if ((err = driver_stop(&d)))
		printf("netbench: %s driver: NIC_STOP: error %ld\n", bnames[b], err);
	return IPC_OK;
}

int main(struct start_info *info)
{
	char builds[32];
	struct plan pl;
	if (!read_args(info->args, &pl, builds, sizeof(builds)))
		return 1;
	tsc_khz = sys_info(INFO_TSC_KHZ);
	uint32_t loop = peer ? 0 : NIC_LOOPBACK;

	uint64_t phys;
	long err = region_create(&phys);
	if (err) {
		printf("netbench: cannot make the region: error %ld\n", err);
		return 1;
	}
	if ((err = thread_start_soaker()))
		return 1;
	char sizes[SIZES_MAX * 6], itrs[ITRS_MAX * 6];
	join_numbers(sizes, sizeof(sizes), pl.sizes, pl.nsizes);
	join_numbers(itrs, sizeof(itrs), pl.itrs, pl.nitrs);
	printf("netbench: %s traffic, %lu frames per case, sizes %s, batch %u, itr %s, echo %lu, "
	       "user driver by %s, unit %s\n", !peer ? "loopback" : echo_every ? "host-echo" :
	       "host-peer", pl.frames, sizes, pl.batch, itrs, echo_every, use_bell ? "doorbell" : "IPC",
	       unit);
	static const char *const bnames[] = { "user", "kernel" };
	for (int b = USER; b <= KERNEL; b++) {
		if (!list_word(builds, bnames[b]))
			continue;
		for (unsigned i = 0; i < pl.nitrs; i++) {       /* each interrupt throttling */
			itr = (unsigned)pl.itrs[i];
			if (run_build((enum build)b, loop | itr << NIC_ITR_SHIFT, &pl) == E_NOSYS) {
				printf("netbench: no in-kernel driver (built without E1000_IN_KERNEL=y): "
				       "kernel cases skipped\n");
				break;
			}
		}
	}
	if (pl.checks && list_word(builds, "user")) {
		check_bad_driver(loop, "fault=init", "e1000_user_fault_init");
		check_bad_driver(loop, "fault=xfer", "e1000_user_fault_xfer");
		check_bad_driver(loop, "garbage=1", "e1000_user_garbage");
	}
	sys_cap_delete(S_SOAKNOTE);               /* the soaker's wait ends: it exits */
	printf("netbench: %s\n", failures ? "FAILED" : "done");
	return failures ? 1 : 0;
}
