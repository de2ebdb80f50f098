/* Test harness: run guest programs on a fresh machine and look inside.
 *
 * A guest's stdout and stderr go to memfds the test reads afterwards.
 * Guests call memu_probe(tag) (guest/include/memu_guest.h) to stop at a
 * point of interest; guest_run() returns there and the test inspects the
 * page tables, frames and statistics before running on.
 */
#ifndef MEMU_TESTS_HARNESS_H
#define MEMU_TESTS_HARNESS_H

#include <memu.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct guest {
	struct memu *m;
	int out_fd, err_fd;
	struct memu_result r;
	char *out; /* guest stdout, after guest_output() */
	char *err;
};

/* Load GUEST_DIR/name with the given arguments (NULL-terminated list,
 * argv[0] is the path).  Fails the test on any error. */
void guest_open(struct guest *g, const char *name, ...);
void guest_open_cfg(struct guest *g, const struct memu_config *cfg,
		    const char *name, const char *const *args);
/* guest_open with argv[0] given instead of the host path.  For exact
 * counts: the strings at the top of the initial stack move with the
 * path's length, and a stack page more or less is one fault more or
 * less, so a count taken with the path would depend on where the tree
 * was built. */
void guest_open_argv0(struct guest *g, const char *name, const char *argv0,
		      const char *const *args);
/* guest_open with the event trace on (memu_trace): the kinds in mask, in
 * the format given, to trace. */
void guest_open_traced(struct guest *g, FILE *trace, unsigned mask,
		       enum memu_trace_format format, const char *name,
		       const char *const *args);
/* Run to the next probe or the end; returns the stop reason. */
enum memu_stop guest_run(struct guest *g);
/* Run until the guest exits or dies (skipping probes). */
void guest_finish(struct guest *g);
/* Guest stdout / stderr so far, NUL-terminated (owned by g). */
const char *guest_stdout(struct guest *g);
const char *guest_stderr(struct guest *g);
void guest_close(struct guest *g);

/* Statistics shortcuts. */
uint64_t guest_faults(struct guest *g, enum memu_fault_kind k);
void guest_stats(struct guest *g, struct memu_stats *s);

/* Load name with the fault specs armed (NULL-terminated; docs/inject.md)
 * and, when trace is not NULL, every event traced to it. */
void guest_open_injected(struct guest *g, FILE *trace, const char *const *specs,
			 const char *name, const char *const *args);
/* The address of symbol name in guest's ELF file (libelf). */
uint64_t guest_symbol(const char *guest, const char *name);

/* The lines of text that start with one of prefixes (NULL-ended), or
 * with keep false those that start with none of them: a new string. */
char *lines_starting(const char *text, const char *const *prefixes, bool keep);

/* Run guest under memu with the one argument "exact", argv[0] its name
 * (guest_open_argv0: no count may depend on where the tree was built):
 * it must exit 0.  Its lines that start "exact: " - memu's own numbers,
 * which the native run does not print - as a new string. */
char *exact_lines(const char *guest);

/* Path of a built guest program. */
const char *guest_path(const char *name);

/* Run guest program name natively on the host (Linux, the reference),
 * with one argument or none: its stdout (a static buffer, replaced by
 * the next call) and its wait status in *status.  A run still going
 * after two minutes is killed, and the test fails saying so. */
const char *native_stdout(const char *name, const char *arg, int *status);

/* Run guest natively and under memu (no arguments): both must exit 0 and
 * print the same, and Linux's output must contain must (so the host is
 * the Linux the test expects). */
void same_output_as_linux(const char *guest, const char *must);

/* ---- commands run in a directory, as a user runs them (memu campaign,
 * memu campaign slurm, the shell) */

struct cmd {
	char *out, *err; /* what it wrote (malloc'd) */
	int status;	 /* its exit status: it must not die of a signal */
};

/* Start argv (argv[0] a path) in dir with environment envp (NULL: this
 * process's), stdin /dev/null, stdout and stderr to dir/.out and
 * dir/.err: the pid. */
pid_t cmd_spawn(const char *dir, const char *const *argv, char *const *envp);
/* Wait for pid, which must exit, and read dir/.out and dir/.err. */
void cmd_wait(struct cmd *c, const char *dir, pid_t pid);
/* cmd_spawn, then cmd_wait. */
void cmd_run(struct cmd *c, const char *dir, const char *const *argv,
	     char *const *envp);
void cmd_free(struct cmd *c);
void cmd_expect_status(const struct cmd *c, int status);
/* What a shell command line writes on stdout (malloc'd), and its wait
 * status in *status. */
char *shell_output(const char *cmd, int *status);
/* A scratch directory for a suite: /tmp/memu-NAME-XXXXXX made into dir
 * (64 bytes), and removed with everything in it. */
void scratch_make(char dir[64], const char *name);
void scratch_remove(const char *dir);
/* A whole file, NUL-terminated (malloc'd); the file must exist. */
char *slurp_path(const char *path);

#endif
