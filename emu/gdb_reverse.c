/* Reverse execution for the gdb stub (docs/gdb.md, "Reverse execution").
 *
 * memu is deterministic: from the same machine state the same
 * instructions run.  So the past is kept as snapshots - stopped copies of
 * the whole memu process, made with fork at known instruction counts -
 * and going back to instruction N is: wake the latest snapshot at or
 * before N, which forks a copy of itself (the snapshot stays), and the
 * copy runs forward to N (icount.c stops it there) and answers gdb from
 * then on; the process that stood in the present ends.  reverse-continue
 * first runs copies forward over the intervals before the present,
 * latest first, noting the breakpoints and watched accesses on the way,
 * and then replays to the last one.
 *
 * Every process is a child of the one memu started (the root): the
 * others fork with CLONE_PARENT, so PR_SET_PDEATHSIG kills them all when
 * the root dies, however it dies.  A root that has handed the present on
 * waits for its children and exits as the last present does.  The table
 * of snapshots, the command to a woken one and the host I/O log live in
 * one shared mapping; a snapshot sleeps on a futex word of its slot.
 *
 * A replay must not do twice what the first run did on the host: reads
 * and writes of the host streams are logged as they happen, and a replay
 * gets the logged results instead (gdb_host_read, gdb_host_write).
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "gdbstub.h"
#include "machine.h"

#define REV_SNAPS    32		/* snapshots kept at most */
#define REV_INTERVAL (1u << 20) /* instructions between two, at first */
#define REV_IO_MAX   65536	/* host reads and writes logged */
#define REV_IO_BYTES (1u << 20) /* bytes read logged */
#define REV_NONE     UINT64_MAX
/* A replay longer than this makes a snapshot this far before its
 * target, on its way: the next steps back replay no more than it. */
#define REV_NEAR 65536
/* How often a present waiting for a scan looks for Ctrl-C. */
#define SCAN_TICK_NS 20000000
#define BEGIN	     "replaylog:begin;"
/* The host's futex operations, by number: the usual names are the
 * guest's in memu (futex.c, machine.h). */
#define HOST_FUTEX_WAIT 0
#define HOST_FUTEX_WAKE 1

struct rev_slot {
	pid_t pid; /* 0: free */
	uint64_t pos;
	uint32_t wake; /* futex word: a command for this snapshot */
};

struct rev_shared {
	pid_t root;
	pid_t present; /* 0 while the present is being handed on */
	uint64_t interval, next_at;
	struct rev_slot slot[REV_SNAPS];
	/* The command to a woken snapshot. */
	int mode;
	uint64_t target;
	char why[GDB_WHY];
	struct gdb_state state;
	/* A scan's answer. */
	uint32_t scan_done; /* futex word */
	pid_t scanner;
	bool found;
	uint64_t hit;
	char hit_why[GDB_WHY];
	/* The host I/O log. */
	unsigned nio;
	uint64_t io_bytes;
	struct {
		int64_t ret;
		uint64_t off; /* a read's bytes in bytes[] */
	} io[REV_IO_MAX];
	unsigned char bytes[REV_IO_BYTES];
};

struct gdb_rev {
	struct rev_shared *sh;
	bool root;
	enum rev_mode mode;
	bool due;
	unsigned io_next; /* this process's place in the I/O log */
	/* A scan's last hit so far. */
	bool found;
	uint64_t hit;
	char hit_why[GDB_WHY];
	char why[GDB_WHY];	   /* a replay's stop reason */
	uint64_t target, waypoint; /* a replay's; waypoint 0: none */
};

static long futex(uint32_t *w, int op, uint32_t val)
{
	return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

static void wake(uint32_t *w)
{
	__atomic_store_n(w, 1, __ATOMIC_SEQ_CST);
	futex(w, HOST_FUTEX_WAKE, 1);
}

static void wait_for(uint32_t *w)
{
	while (!__atomic_load_n(w, __ATOMIC_SEQ_CST))
		futex(w, HOST_FUTEX_WAIT, 0);
	__atomic_store_n(w, 0, __ATOMIC_SEQ_CST);
}

/* fork, as a child of the root: a process the root's death kills.  0
 * in the child. */
static pid_t spawn(struct gdb_rev *r)
{
	fflush(NULL); /* nothing buffered is written twice */
	pid_t pid = r->root ? fork()
			    : (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD,
					     0, NULL, NULL, 0);
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != r->sh->root) /* it died already */
			_exit(0);
		r->root = false;
	}
	return pid;
}

static void drop(struct gdb_rev *r, struct rev_slot *s)
{
	if (!s->pid)
		return;
	kill(s->pid, SIGKILL);
	if (r->root) /* else the root reaps it */
		waitpid(s->pid, NULL, 0);
	s->pid = 0;
}

/* The latest snapshot at or before pos, NULL if none. */
static struct rev_slot *before(struct gdb_rev *r, uint64_t pos)
{
	struct rev_slot *best = NULL;
	for (int i = 0; i < REV_SNAPS; i++) {
		struct rev_slot *s = &r->sh->slot[i];
		if (s->pid && s->pos <= pos && (!best || s->pos > best->pos))
			best = s;
	}
	return best;
}

static uint64_t oldest(struct gdb_rev *r)
{
	uint64_t o = REV_NONE;
	for (int i = 0; i < REV_SNAPS; i++)
		if (r->sh->slot[i].pid && r->sh->slot[i].pos < o)
			o = r->sh->slot[i].pos;
	return o;
}

/* A snapshot's life: asleep until a command, which a fork of it carries
 * out; returns in that fork. */
static void sleep_as_snapshot(struct gdb_rev *r, struct rev_slot *s)
{
	for (;;) {
		wait_for(&s->wake);
		if (spawn(r) == 0)
			return;
	}
}

/* A copy woken from a snapshot takes the command over. */
static void take_command(struct memu *m, struct gdb_rev *r)
{
	struct rev_shared *sh = r->sh;
	r->mode = sh->mode;
	r->found = false;
	r->due = false;
	snprintf(r->why, sizeof(r->why), "%s", sh->why);
	if (r->mode == REV_REPLAY)
		sh->present = getpid();
	else /* for the present, to watch (before the answer) */
		__atomic_store_n(&sh->scanner, getpid(), __ATOMIC_SEQ_CST);
	gdb_state_load(m, &sh->state);
	r->target = sh->target;
	r->waypoint = 0;
	if (r->mode == REV_REPLAY && sh->target - m->icount.n > REV_NEAR)
		r->waypoint = sh->target - REV_NEAR;
	m->icount.gdb_at = r->waypoint ? r->waypoint : r->target;
}

bool rev_waypoint(struct memu *m, struct gdb_rev *r)
{
	if (!r || !r->waypoint || m->icount.n != r->waypoint)
		return false;
	/* Stop before this instruction, snapshot between two runs
	 * (gdb_after_run), and run on to the target. */
	icount_fetch(m);
	r->waypoint = 0;
	r->due = true;
	m->icount.gdb_at = r->target;
	uc_emu_stop(m->uc);
	return true;
}

/* Take a snapshot at n (outside the run): the child sleeps as it. */
static void snapshot_at(struct memu *m, struct gdb_rev *r, uint64_t n)
{
	struct rev_shared *sh = r->sh;
	struct rev_slot *s = NULL;
	for (int i = 0; i < REV_SNAPS && !s; i++)
		if (!sh->slot[i].pid)
			s = &sh->slot[i];
	if (!s) {
		/* Full: every other one goes but the oldest, and they come
		 * half as often from now on. */
		uint64_t first = oldest(r);
		bool odd = false; /* the 2nd, 4th, ... go */
		for (uint64_t at = first; at != REV_NONE;) {
			uint64_t next = REV_NONE;
			struct rev_slot *t = NULL;
			for (int i = 0; i < REV_SNAPS; i++)
				if (sh->slot[i].pid && sh->slot[i].pos >= at &&
				    (!t || sh->slot[i].pos < t->pos))
					t = &sh->slot[i];
			if (!t)
				break;
			for (int i = 0; i < REV_SNAPS; i++)
				if (sh->slot[i].pid &&
				    sh->slot[i].pos > t->pos &&
				    sh->slot[i].pos < next)
					next = sh->slot[i].pos;
			if (odd && t->pos != first)
				drop(r, t);
			odd = !odd;
			at = next;
		}
		sh->interval *= 2;
		for (int i = 0; i < REV_SNAPS && !s; i++)
			if (!sh->slot[i].pid)
				s = &sh->slot[i];
	}
	sh->next_at = n + sh->interval;
	s->pos = n;
	s->wake = 0;
	pid_t pid = spawn(r);
	if (pid < 0)
		return; /* no snapshot: less history */
	if (pid == 0) {
		sleep_as_snapshot(r, s);
		take_command(m, r);
		return;
	}
	s->pid = pid;
}

struct gdb_rev *rev_init(struct memu *m)
{
	struct gdb_rev *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->sh = mmap(NULL, sizeof(*r->sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r->sh == MAP_FAILED) {
		free(r);
		return NULL;
	}
	r->root = true;
	r->sh->root = r->sh->present = getpid();
	r->sh->interval = REV_INTERVAL;
	snapshot_at(m, r, 0);
	return r;
}

enum rev_mode rev_mode(const struct gdb_rev *r)
{
	return r ? r->mode : REV_LIVE;
}

bool rev_due(struct gdb_rev *r, uint64_t n)
{
	if (!r || r->mode != REV_LIVE || r->due || n < r->sh->next_at)
		return false;
	r->due = true;
	return true;
}

void rev_snapshot(struct memu *m, struct gdb_rev *r, uint64_t n)
{
	if (!r || !r->due)
		return;
	r->due = false;
	struct rev_slot *last = before(r, n);
	if (last && last->pos == n)
		return;
	snapshot_at(m, r, n);
}

/* The present ends here: another process answers gdb. */
static void retire(struct gdb_rev *r)
{
	if (!r->root)
		_exit(0);
	/* The root stays, for whoever waits for memu: until the present
	 * ends, whose status is memu's. */
	for (;;) {
		int ws;
		pid_t pid = waitpid(-1, &ws, 0);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			_exit(1);
		if (pid != r->sh->present)
			continue;
		for (int i = 0; i < REV_SNAPS; i++)
			if (r->sh->slot[i].pid)
				kill(r->sh->slot[i].pid, SIGKILL);
		while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
			;
		_exit(WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws));
	}
}

/* Wake snapshot s with a command. */
static void command(struct gdb_rev *r, struct rev_slot *s, int mode,
		    uint64_t target, const char *why,
		    const struct gdb_state *st)
{
	struct rev_shared *sh = r->sh;
	sh->mode = mode;
	sh->target = target;
	snprintf(sh->why, sizeof(sh->why), "%s", why);
	sh->state = *st;
	wake(&s->wake);
}

/* Go back to target (below pos) with the stop's reason: the present
 * passes to a copy of the snapshot before it, and this process ends. */
static void replay(struct gdb_rev *r, uint64_t target, const char *why,
		   const struct gdb_state *st)
{
	struct rev_slot *s = before(r, target);
	/* What comes after the target is no history any more. */
	for (int i = 0; i < REV_SNAPS; i++)
		if (r->sh->slot[i].pid && r->sh->slot[i].pos > target)
			drop(r, &r->sh->slot[i]);
	r->sh->next_at = target + r->sh->interval;
	r->sh->present = 0;
	command(r, s, REV_REPLAY, target, why, st);
	retire(r);
}

void rev_step(struct memu *m, struct gdb_rev *r, uint64_t pos,
	      const struct gdb_state *st)
{
	(void)m;
	if (!r || !pos || oldest(r) >= pos)
		return;
	replay(r, pos - 1, "", st);
}

/* Whether process pid (a child of the root) has ended. */
static bool ended(struct gdb_rev *r, pid_t pid)
{
	if (r->root)
		return waitpid(pid, NULL, WNOHANG) == pid;
	return kill(pid, 0) && errno == ESRCH; /* the root reaped it */
}

/* Wait for a scan's answer while gdb may interrupt (0x03 on the
 * connection) and the scan may die: REV_BACK_* or -1 for the answer. */
static int wait_scan(struct gdb_rev *r, struct gdb_conn *c)
{
	struct rev_shared *sh = r->sh;
	const struct timespec tick = {0, SCAN_TICK_NS};
	for (;;) {
		pid_t scanner = sh->scanner;
		/* Ctrl-C sent with the packet counts too: looked for
		 * first, even if the scan is over. */
		if (c && gdb_poll_byte(c) == 0x03) {
			while (scanner <= 0 &&
			       !__atomic_load_n(&sh->scan_done,
						__ATOMIC_SEQ_CST))
				scanner = __atomic_load_n(&sh->scanner,
							  __ATOMIC_SEQ_CST);
			if (scanner > 0) {
				kill(scanner, SIGKILL);
				if (r->root)
					waitpid(scanner, NULL, 0);
			}
			return REV_BACK_INTERRUPTED;
		}
		if (__atomic_load_n(&sh->scan_done, __ATOMIC_SEQ_CST))
			break;
		syscall(SYS_futex, &sh->scan_done, HOST_FUTEX_WAIT, 0, &tick,
			NULL, 0);
		if (__atomic_load_n(&sh->scan_done, __ATOMIC_SEQ_CST))
			continue;
		if (scanner > 0 && ended(r, scanner)) {
			/* Reaped: it answered first, or died. */
			if (__atomic_load_n(&sh->scan_done, __ATOMIC_SEQ_CST))
				return -1;
			return REV_BACK_FAILED;
		}
	}
	if (r->root)
		waitpid(sh->scanner, NULL, 0);
	return -1;
}

int rev_continue(struct memu *m, struct gdb_rev *r, uint64_t pos,
		 const struct gdb_state *st, struct gdb_conn *c)
{
	(void)m;
	if (!r || oldest(r) >= pos)
		return REV_BACK_NONE;
	struct rev_shared *sh = r->sh;
	/* Each interval, latest first: a copy of its snapshot runs to its
	 * end and notes the last hit. */
	for (uint64_t end = pos; end != REV_NONE && end > oldest(r);) {
		struct rev_slot *s = before(r, end - 1);
		sh->scan_done = 0;
		sh->found = false;
		sh->scanner = 0;
		command(r, s, REV_SCAN, end, "", st);
		int why = wait_scan(r, c);
		if (why >= 0)
			return why;
		if (sh->found)
			replay(r, sh->hit, sh->hit_why, st);
		end = s->pos;
	}
	replay(r, oldest(r), BEGIN, st);
	return REV_BACK_NONE; /* not reached */
}

void rev_hit(struct gdb_rev *r, uint64_t pos, const char *why)
{
	if (pos >= r->sh->target)
		return;
	r->found = true;
	r->hit = pos;
	snprintf(r->hit_why, sizeof(r->hit_why), "%s", why);
}

const char *rev_arrived(struct memu *m, struct gdb_rev *r)
{
	(void)m;
	struct rev_shared *sh = r->sh;
	if (r->mode == REV_SCAN) {
		sh->found = r->found;
		sh->hit = r->hit;
		snprintf(sh->hit_why, sizeof(sh->hit_why), "%s", r->hit_why);
		sh->scanner = getpid();
		wake(&sh->scan_done);
		_exit(0);
	}
	r->mode = REV_LIVE;
	return r->why;
}

void rev_forget(struct gdb_rev *r, uint64_t pos)
{
	if (!r)
		return;
	for (int i = 0; i < REV_SNAPS; i++)
		drop(r, &r->sh->slot[i]);
	r->sh->nio = 0;
	r->sh->io_bytes = 0;
	r->io_next = 0;
	r->sh->interval = REV_INTERVAL;
	r->sh->next_at = pos; /* the new history's first snapshot: now */
}

void rev_end(struct gdb_rev *r)
{
	if (!r)
		return;
	for (int i = 0; i < REV_SNAPS; i++)
		drop(r, &r->sh->slot[i]);
	if (r->root) /* the scans' copies, reaped already; to be sure */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	munmap(r->sh, sizeof(*r->sh));
	free(r);
}

/* What a snapshot costs the host: its proportional share of the pages
 * it has (Pss) and those only it has (Private), kB. */
static void host_memory(pid_t pid, uint64_t *pss, uint64_t *priv)
{
	char path[64], line[256];
	*pss = *priv = 0;
	snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v;
		if (sscanf(line, "Pss: %llu kB", &v) == 1)
			*pss = v;
		else if (sscanf(line, "Private_Clean: %llu kB", &v) == 1 ||
			 sscanf(line, "Private_Dirty: %llu kB", &v) == 1)
			*priv += v;
	}
	fclose(f);
}

void rev_print(struct gdb_rev *r, uint64_t pos, FILE *f)
{
	if (!r) {
		fputs("no history\n", f);
		return;
	}
	uint64_t all_pss = 0, all_priv = 0;
	for (uint64_t at = 0;; at++) {
		struct rev_slot *s = NULL;
		for (int i = 0; i < REV_SNAPS; i++)
			if (r->sh->slot[i].pid && r->sh->slot[i].pos >= at &&
			    (!s || r->sh->slot[i].pos < s->pos))
				s = &r->sh->slot[i];
		if (!s)
			break;
		uint64_t pss, priv;
		host_memory(s->pid, &pss, &priv);
		all_pss += pss;
		all_priv += priv;
		fprintf(f,
			"snapshot at insn %" PRIu64 ": pid %d, pss %" PRIu64
			" kB, private %" PRIu64 " kB\n",
			s->pos, (int)s->pid, pss, priv);
		at = s->pos;
	}
	fprintf(f,
		"present at insn %" PRIu64 "; snapshots every %" PRIu64
		" insns, the next at %" PRIu64 "; pss %" PRIu64
		" kB, private %" PRIu64 " kB in all\n",
		pos, r->sh->interval, r->sh->next_at, all_pss, all_priv);
}

/* The host I/O log: a live call is made and logged; one the log has
 * already (a replay) gives what it gave. */
long rev_host_io(struct gdb_rev *r, bool write_, int fd, void *buf, size_t len)
{
	struct rev_shared *sh = r->sh;
	if (r->io_next < sh->nio) {
		long ret = (long)sh->io[r->io_next].ret;
		if (!write_ && ret > 0)
			memcpy(buf, sh->bytes + sh->io[r->io_next].off,
			       (size_t)ret);
		r->io_next++;
		return ret;
	}
	ssize_t ret;
	do
		ret = write_ ? write(fd, buf, len) : read(fd, buf, len);
	while (ret < 0 && errno == EINTR);
	long res = ret < 0 ? -errno : (long)ret;
	if (sh->nio == REV_IO_MAX ||
	    (!write_ && ret > 0 && sh->io_bytes + (size_t)ret > REV_IO_BYTES)) {
		/* The log is full: the history starts again after this. */
		rev_forget(r, 0);
		sh->next_at = 0;
		return res;
	}
	sh->io[sh->nio].ret = res;
	sh->io[sh->nio].off = sh->io_bytes;
	if (!write_ && ret > 0) {
		memcpy(sh->bytes + sh->io_bytes, buf, (size_t)ret);
		sh->io_bytes += (size_t)ret;
	}
	sh->nio++;
	r->io_next = sh->nio;
	return res;
}
