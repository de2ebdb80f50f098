/* memu run --gdb: a GDB remote-serial-protocol stub (docs/gdb.md).
 *
 * The stub is synchronous: the machine stops where it stands (in the
 * instruction hook before an instruction, or where a signal is about to
 * be delivered), talks to gdb until gdb resumes it, and runs on from
 * there.  Every stop goes through gdb_stop (gdbstub.c), the one place
 * that stops and resumes. */
#ifndef MEMU_EMU_GDBSTUB_H
#define MEMU_EMU_GDBSTUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct memu;
struct guest_siginfo;
struct process;

/* Check a --gdb value: [HOST:]PORT or unix:PATH.  0, or -1 with why. */
int gdb_parse_spec(const char *spec, char *why, size_t whylen);
/* Listen on spec, say where on stderr, and set the hooks: after
 * memu_load, before memu_run.  gdb connects before the first user
 * instruction runs.  reverse: snapshots for going back (the instruction
 * counter must be on: memu_count_instructions before memu_load). */
int gdb_attach(struct memu *m, const char *spec, bool reverse, char *err,
	       size_t errlen);
/* The guest has ended (r: memu_run's result): tell gdb (W or X). */
void gdb_end(struct memu *m);
/* Free the stub (memu_free). */
void gdb_free(struct memu *m);
/* The guest is about to receive sig with info (Linux's ptrace signal
 * stop): gdb sees it first.  Returns the signal to deliver (gdb may
 * change it), 0 to deliver none. */
int gdb_signal(struct memu *m, int sig, struct guest_siginfo *info);
/* A debug trap (#DB): true if it is the end of gdb's step, which has
 * stopped; false if it is the guest's own. */
bool gdb_debug_trap(struct memu *m);
/* The run loop, between two uc_emu_start calls: what cannot be done
 * while code runs (dropping all translated code, a snapshot). */
void gdb_after_run(struct memu *m);
/* icount.c, before an instruction starts with n retired, n the target
 * of a replay (docs/gdb.md, "Reverse execution"): the stop there.  True
 * if the instruction's block starts again (RIP written): not counted. */
bool gdb_arrive(struct memu *m, uint64_t address);
/* fork.c: a new process, child, copied from parent's: gdb's
 * breakpoints in parent are in child too (docs/gdb.md). */
void gdb_fork(struct memu *m, const struct process *parent,
	      const struct process *child, bool vfork);
/* gdb_fork.c: the stop events of processes (docs/gdb.md, "Fork, vfork,
 * exec and exit"), as Linux's ptrace event stops.  exec.c: the current
 * task's process runs a new program. */
void gdb_exec(struct memu *m);
/* exit.c: process p (its leader) has ended with wait status code. */
void gdb_exit(struct memu *m, struct process *p, int code);
/* syscall.c, at a call's end, RIP past its instruction: a fork, vfork
 * or exec gdb is to hear of stops now, in the call. */
bool gdb_event_pending(struct memu *m);
void gdb_syscall_event(struct memu *m);
/* sched.c: a task has the CPU again: a vfork parent's vforkdone. */
void gdb_scheduled(struct memu *m);
/* sched.c: nothing can run but tasks gdb holds stopped: wait for gdb's
 * Ctrl-C (a stop), or for gdb to go.  false if gdb holds none. */
bool gdb_held_wait(struct memu *m);
/* The guest's host streams (files.c) under reverse execution: read(2)
 * and write(2) on the host, done once; a replay gets what the first
 * run got (docs/gdb.md, "Reverse execution"). */
long gdb_host_read(struct memu *m, int fd, void *buf, size_t len);
long gdb_host_write(struct memu *m, int fd, const void *buf, size_t len);

/* ---- inside the stub */

/* The task gdb looks at (the one place that names it): the one Hg
 * selected while stopped, else the one on the CPU. */
struct process *gdb_process(struct memu *m);

/* gdb_threads.c: tasks as gdb threads (docs/gdb.md, "Threads and
 * processes"). */
int gdb_tgid(const struct process *p);
bool gdb_task_live(const struct process *p);
/* Live, and gdb has its process (not detached: docs/gdb.md). */
bool gdb_task_traced(const struct process *p);
/* The task on the CPU if gdb has it, else the first one gdb has (the
 * one on the CPU if none). */
struct process *gdb_cpu_task(struct memu *m);
/* pTGID.TID (multi: the multiprocess extension) or TID, in hex. */
int gdb_thread_id(char *buf, size_t n, const struct process *p, bool multi);
/* A thread id at *s, which moves past it: pid 0 any, -1 all (or none
 * given); tid likewise.  false if there is none. */
bool gdb_parse_thread(const char **s, int *pid, int *tid);
/* The live task of the id: NULL if none; pid and tid 0 or -1: the
 * one on the CPU (or the first of the process pid). */
struct process *gdb_find_thread(struct memu *m, int pid, int tid);
/* qfThreadInfo's answer: m and every live task's id. */
int gdb_thread_list(struct memu *m, bool multi, char *out, size_t n);
/* A resume: tasks of processes vcont's actions do not name are held
 * stopped (NULL, or an action for all: none is).  true if that changed
 * which are. */
bool gdb_hold(struct memu *m, const char *vcont);
/* gdb is gone: none is held. */
void gdb_release_all(struct memu *m);
/* qThreadExtraInfo's text: the task's comm and state. */
int gdb_thread_extra(struct memu *m, const struct process *p, char *out,
		     size_t n);

#define GDB_BUF 16384 /* largest packet either way */

/* gdb_fork.c's part of the stub: the events gdb takes and the one due
 * at the end of the current call. */
enum gdb_ev_kind { GDB_EV_NONE, GDB_EV_FORK, GDB_EV_VFORK, GDB_EV_EXEC };
struct gdb_ev {
	bool fork, vfork, exec;	  /* qSupported: gdb takes them */
	enum gdb_ev_kind pending; /* due at the end of the call */
	int pending_tid;	  /* in the call of this task */
	int child;		  /* a fork's, a vfork's */
	char cut[64];		  /* the event the history begins at */
};
/* The stub's events, NULL when gdb is not there to hear of one (no
 * stub, not connected, detached, ended, no multiprocess, a replay). */
struct gdb_ev *gdb_ev_live(struct memu *m);
/* Stop with reply, and thread:ID; of gdb_cpu_task if thread; nr >= 0:
 * in that call, which orig_rax reads meanwhile; enosys: RAX reads
 * -ENOSYS meanwhile (Linux's event stop inside a call).  The history
 * of reverse execution begins again here. */
void gdb_event_stop(struct memu *m, const char *reply, bool thread, int64_t nr,
		    bool enosys);
/* Process tgid's breakpoints go (an exec, a detach). */
void gdb_drop_breakpoints(struct memu *m, int tgid);
/* gdb lets go of process tgid (D;PID, vKill;PID): its tasks are
 * detached, its breakpoints gone. */
void gdb_detach_process(struct memu *m, int tgid);
/* A task gdb has in another process than tgid. */
bool gdb_others_traced(struct memu *m, int tgid);

struct gdb_conn {
	int listen_fd, fd;
	char *unix_path; /* to unlink at the end */
	bool noack;
	unsigned char in[4096];
	size_t in_len, in_pos;
};

/* gdb_conn.c: the transport and the packets' framing. */
int gdb_listen(struct gdb_conn *c, const char *spec, char *err, size_t n);
int gdb_accept(struct gdb_conn *c);
/* The next packet's payload, NUL-terminated (binary X data kept as
 * sent, escapes and all); *len its length.  -1: gdb has gone. */
int gdb_get_packet(struct gdb_conn *c, char *buf, size_t size, size_t *len);
int gdb_put_packet(struct gdb_conn *c, const char *data, size_t len);
int gdb_put_str(struct gdb_conn *c, const char *s);
/* A byte gdb sent while the guest runs: 0x03 is Ctrl-C.  -1: none. */
int gdb_poll_byte(struct gdb_conn *c);
/* The next byte gdb sends, waiting for it.  -1: gdb has gone. */
int gdb_wait_byte(struct gdb_conn *c);
void gdb_close(struct gdb_conn *c);

/* gdb_regs.c: the registers as gdb's amd64 GNU/Linux description
 * numbers them (target.xml). */
extern const char gdb_target_xml[];
#define GDB_NREGS 60
/* Register n's bytes (target byte order) into buf: its size, or -1.
 * Those of gdb_process: Unicorn's on the CPU, a saved context's for a
 * task off it (orig_rax is the CPU's task's only: -1 for others). */
int gdb_reg_read(struct memu *m, int n, uint8_t *buf, uint64_t orig_rax);
/* Write it: its size, or -1.  RIP written to its own value is left be
 * (a write would restart the translation block). */
int gdb_reg_write(struct memu *m, int n, const uint8_t *buf,
		  uint64_t *orig_rax);

/* What a replaying copy of the machine takes over from the stub that
 * stood in the present (gdb_reverse.c): the connection's state and
 * gdb's breakpoints, watchpoints and settings. */
#define GDB_MAX_BPS   64
#define GDB_MAX_WATCH 4
#define GDB_WHY	      48 /* a stop reply's reason */
struct gdb_state {
	bool noack, multi;
	bool fork_events, vfork_events, exec_events;
	uint64_t pass, orig_rax;
	unsigned nbps, nwatch;
	struct {
		uint64_t addr;
		bool hw;
		int tgid;
	} bps[GDB_MAX_BPS];
	struct {
		uint64_t addr, len;
		int type;
	} watch[GDB_MAX_WATCH];
	size_t in_len; /* bytes gdb sent that were not read yet */
	unsigned char in[4096];
};
void gdb_state_save(struct memu *m, struct gdb_state *s);
/* In a copy woken from a snapshot: take the state over; gdb waits for
 * a stop reply. */
void gdb_state_load(struct memu *m, const struct gdb_state *s);

/* gdb_reverse.c: snapshots and re-execution (docs/gdb.md, "Reverse
 * execution"). */
struct gdb_rev;
enum rev_mode {
	REV_LIVE,   /* the present: talks to gdb */
	REV_REPLAY, /* runs to a target, then is the present */
	REV_SCAN,   /* runs to a target noting the hits on the way */
};
/* Shared memory and the first snapshot, at instruction 0 (gdb_attach,
 * outside the run): NULL if it cannot be made (no time travel). */
struct gdb_rev *rev_init(struct memu *m);
enum rev_mode rev_mode(const struct gdb_rev *r);
/* The block hook: a snapshot is due (then the CPU stops). */
bool rev_due(struct gdb_rev *r, uint64_t n);
/* Between two runs, at n: take the snapshot that is due. */
void rev_snapshot(struct memu *m, struct gdb_rev *r, uint64_t n);
/* bs, bc at position pos with the stub's state st: they return only
 * when there is no history to go back to (the stop is here:
 * replaylog:begin), or bc when gdb interrupts it (connection c) or it
 * fails; otherwise another copy of the machine answers gdb and this one
 * ends. */
void rev_step(struct memu *m, struct gdb_rev *r, uint64_t pos,
	      const struct gdb_state *st);
/* rev_continue's answer when it returns: */
enum {
	REV_BACK_NONE,	      /* no history before: replaylog:begin */
	REV_BACK_INTERRUPTED, /* gdb sent Ctrl-C: stopped where it stands */
	REV_BACK_FAILED,      /* a copy died on the way */
};
int rev_continue(struct memu *m, struct gdb_rev *r, uint64_t pos,
		 const struct gdb_state *st, struct gdb_conn *c);
/* icount.c's stop at a replay's waypoint: true if it is one (the CPU
 * stops before the instruction; a snapshot follows). */
bool rev_waypoint(struct memu *m, struct gdb_rev *r);
/* A scan's hit at pos (the stop's reason). */
void rev_hit(struct gdb_rev *r, uint64_t pos, const char *why);
/* At the target: a scan reports and ends; a replay is the present now
 * and gives the stop's reason. */
const char *rev_arrived(struct memu *m, struct gdb_rev *r);
/* gdb changed the machine (memory, registers, a signal): the history
 * before it would not replay it; it starts again here. */
void rev_forget(struct gdb_rev *r, uint64_t pos);
/* Kill every snapshot (the end, a detach), and free. */
void rev_end(struct gdb_rev *r);
/* `monitor history`. */
void rev_print(struct gdb_rev *r, uint64_t pos, FILE *f);
long rev_host_io(struct gdb_rev *r, bool write, int fd, void *buf, size_t len);

/* gdb_events.c: the last events of the event point, for `monitor
 * events N`. */
struct gdb_events;
struct gdb_events *gdb_events_start(struct memu *m);
void gdb_events_print(struct gdb_events *ev, unsigned n, FILE *f);
void gdb_events_free(struct memu *m, struct gdb_events *ev);
struct gdb_events *gdb_events_of(struct memu *m);
struct gdb_rev *gdb_rev_of(struct memu *m);

/* gdb_monitor.c: `monitor CMD`; the output, malloc'd. */
char *gdb_monitor(struct memu *m, const char *cmd);

/* gdbstub.c: memory as the guest's page tables map it, no side effect. */
size_t gdb_read_mem(struct memu *m, uint64_t va, uint8_t *buf, size_t len);

/* Linux's signal number as gdb's remote protocol numbers it, and back. */
int gdb_signal_from_linux(int sig);
int gdb_signal_to_linux(int gsig);

#endif
