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

struct memu;
struct guest_siginfo;

/* Check a --gdb value: [HOST:]PORT or unix:PATH.  0, or -1 with why. */
int gdb_parse_spec(const char *spec, char *why, size_t whylen);
/* Listen on spec, say where on stderr, and set the hooks: after
 * memu_load, before memu_run.  gdb connects before the first user
 * instruction runs. */
int gdb_attach(struct memu *m, const char *spec, char *err, size_t errlen);
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
 * while code runs (dropping all translated code). */
void gdb_after_run(struct memu *m);

/* ---- inside the stub */

/* The process gdb debugs (the one place that names it). */
struct process *gdb_process(struct memu *m);

#define GDB_BUF 16384 /* largest packet either way */

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
void gdb_close(struct gdb_conn *c);

/* gdb_regs.c: the registers as gdb's amd64 GNU/Linux description
 * numbers them (target.xml). */
extern const char gdb_target_xml[];
#define GDB_NREGS 60
/* Register n's bytes (target byte order) into buf: its size, or -1. */
int gdb_reg_read(struct memu *m, int n, uint8_t *buf, uint64_t orig_rax);
/* Write it: its size, or -1.  RIP written to its own value is left be
 * (a write would restart the translation block). */
int gdb_reg_write(struct memu *m, int n, const uint8_t *buf,
		  uint64_t *orig_rax);

/* gdb_monitor.c: `monitor CMD`; the output, malloc'd. */
char *gdb_monitor(struct memu *m, const char *cmd);

/* gdbstub.c: memory as the guest's page tables map it, no side effect. */
size_t gdb_read_mem(struct memu *m, uint64_t va, uint8_t *buf, size_t len);

/* Linux's signal number as gdb's remote protocol numbers it, and back. */
int gdb_signal_from_linux(int sig);
int gdb_signal_to_linux(int gsig);

#endif
