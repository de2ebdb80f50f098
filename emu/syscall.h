/* The guest's system calls: x86-64 Linux numbers and semantics.  A
 * syscall memu does not implement returns ENOSYS and is counted. */
#ifndef MEMU_EMU_SYSCALL_H
#define MEMU_EMU_SYSCALL_H

#include <stdbool.h>
#include <stdint.h>

#define SYSCALL_NAMES 451
/* memu's own call: stop the run so a test can inspect the machine.
 * Unused by Linux; a native run gets ENOSYS. */
#define MEMU_SYS_PROBE 500
/* memu's other call: the guest's CR3 (the physical address of its
 * PML4), so a guest can walk its own page tables through /dev/mem. */
#define MEMU_SYS_CR3 501

extern const char *const syscall_names[SYSCALL_NAMES];

struct memu;
typedef int64_t (*syscall_fn)(struct memu *m, const uint64_t *a);

/* sys_mm.c */
int64_t sys_mmap(struct memu *m, const uint64_t *a);
int64_t sys_munmap(struct memu *m, const uint64_t *a);
int64_t sys_mprotect(struct memu *m, const uint64_t *a);
int64_t sys_mremap(struct memu *m, const uint64_t *a);
int64_t sys_brk(struct memu *m, const uint64_t *a);
int64_t sys_madvise(struct memu *m, const uint64_t *a);
int64_t sys_mincore(struct memu *m, const uint64_t *a);
int64_t sys_mlock(struct memu *m, const uint64_t *a);
int64_t sys_mlock2(struct memu *m, const uint64_t *a);
int64_t sys_munlock(struct memu *m, const uint64_t *a);
int64_t sys_mlockall(struct memu *m, const uint64_t *a);
int64_t sys_munlockall(struct memu *m, const uint64_t *a);
int64_t sys_msync(struct memu *m, const uint64_t *a);
int64_t sys_set_mempolicy(struct memu *m, const uint64_t *a);

/* sys_io.c */
int64_t sys_read(struct memu *m, const uint64_t *a);
int64_t sys_write(struct memu *m, const uint64_t *a);
int64_t sys_readv(struct memu *m, const uint64_t *a);
int64_t sys_writev(struct memu *m, const uint64_t *a);
int64_t sys_pread64(struct memu *m, const uint64_t *a);
int64_t sys_pwrite64(struct memu *m, const uint64_t *a);
int64_t sys_open(struct memu *m, const uint64_t *a);
int64_t sys_openat(struct memu *m, const uint64_t *a);
int64_t sys_close(struct memu *m, const uint64_t *a);
int64_t sys_fstat(struct memu *m, const uint64_t *a);
int64_t sys_newfstatat(struct memu *m, const uint64_t *a);
int64_t sys_lseek(struct memu *m, const uint64_t *a);
int64_t sys_ioctl(struct memu *m, const uint64_t *a);
int64_t sys_fcntl(struct memu *m, const uint64_t *a);
int64_t sys_access(struct memu *m, const uint64_t *a);
int64_t sys_readlink(struct memu *m, const uint64_t *a);
int64_t sys_faccessat(struct memu *m, const uint64_t *a);
int64_t sys_dup(struct memu *m, const uint64_t *a);
int64_t sys_dup2(struct memu *m, const uint64_t *a);
int64_t sys_dup3(struct memu *m, const uint64_t *a);
int64_t sys_readlinkat(struct memu *m, const uint64_t *a);
int64_t sys_socketpair(struct memu *m, const uint64_t *a);

/* sys_fs.c */
int64_t sys_creat(struct memu *m, const uint64_t *a);
int64_t sys_stat(struct memu *m, const uint64_t *a);
int64_t sys_lstat(struct memu *m, const uint64_t *a);
int64_t sys_faccessat2(struct memu *m, const uint64_t *a);
int64_t sys_symlink(struct memu *m, const uint64_t *a);
int64_t sys_symlinkat(struct memu *m, const uint64_t *a);
int64_t sys_link(struct memu *m, const uint64_t *a);
int64_t sys_linkat(struct memu *m, const uint64_t *a);
int64_t sys_mkdir(struct memu *m, const uint64_t *a);
int64_t sys_mkdirat(struct memu *m, const uint64_t *a);
int64_t sys_rmdir(struct memu *m, const uint64_t *a);
int64_t sys_unlink(struct memu *m, const uint64_t *a);
int64_t sys_unlinkat(struct memu *m, const uint64_t *a);
int64_t sys_rename(struct memu *m, const uint64_t *a);
int64_t sys_renameat(struct memu *m, const uint64_t *a);
int64_t sys_renameat2(struct memu *m, const uint64_t *a);
int64_t sys_getdents64(struct memu *m, const uint64_t *a);
int64_t sys_getcwd(struct memu *m, const uint64_t *a);
int64_t sys_chdir(struct memu *m, const uint64_t *a);
int64_t sys_fchdir(struct memu *m, const uint64_t *a);
int64_t sys_umask(struct memu *m, const uint64_t *a);
int64_t sys_chmod(struct memu *m, const uint64_t *a);
int64_t sys_fchmod(struct memu *m, const uint64_t *a);
int64_t sys_fchmodat(struct memu *m, const uint64_t *a);
int64_t sys_truncate(struct memu *m, const uint64_t *a);
int64_t sys_fallocate(struct memu *m, const uint64_t *a);
int64_t sys_fsync(struct memu *m, const uint64_t *a);
int64_t sys_sync(struct memu *m, const uint64_t *a);
int64_t sys_pipe(struct memu *m, const uint64_t *a);
int64_t sys_pipe2(struct memu *m, const uint64_t *a);
int64_t sys_chown(struct memu *m, const uint64_t *a);
int64_t sys_lchown(struct memu *m, const uint64_t *a);
int64_t sys_fchown(struct memu *m, const uint64_t *a);
int64_t sys_fchownat(struct memu *m, const uint64_t *a);
int64_t sys_utimensat(struct memu *m, const uint64_t *a);

/* sys_proc.c */
int64_t sys_exit_group(struct memu *m, const uint64_t *a);
int64_t sys_memu_cr3(struct memu *m, const uint64_t *a);
int64_t sys_arch_prctl(struct memu *m, const uint64_t *a);
int64_t sys_prctl(struct memu *m, const uint64_t *a);
int64_t sys_set_tid_address(struct memu *m, const uint64_t *a);
int64_t sys_getpid(struct memu *m, const uint64_t *a);
int64_t sys_getppid(struct memu *m, const uint64_t *a);
int64_t sys_getuid(struct memu *m, const uint64_t *a);
int64_t sys_uname(struct memu *m, const uint64_t *a);
int64_t sys_prlimit64(struct memu *m, const uint64_t *a);
int64_t sys_getrlimit(struct memu *m, const uint64_t *a);
int64_t sys_setrlimit(struct memu *m, const uint64_t *a);
int64_t sys_rt_sigaction(struct memu *m, const uint64_t *a);
int64_t sys_rt_sigprocmask(struct memu *m, const uint64_t *a);
int64_t sys_rt_sigpending(struct memu *m, const uint64_t *a);
int64_t sys_pause(struct memu *m, const uint64_t *a);
int64_t sys_memfd_create(struct memu *m, const uint64_t *a);
int64_t sys_eventfd(struct memu *m, const uint64_t *a);
int64_t sys_eventfd2(struct memu *m, const uint64_t *a);
int64_t sys_ftruncate(struct memu *m, const uint64_t *a);
int64_t sys_rt_sigsuspend(struct memu *m, const uint64_t *a);
int64_t sys_rt_sigtimedwait(struct memu *m, const uint64_t *a);
int64_t sys_rt_sigqueueinfo(struct memu *m, const uint64_t *a);
int64_t sys_rt_tgsigqueueinfo(struct memu *m, const uint64_t *a);
int64_t sys_restart_syscall(struct memu *m, const uint64_t *a);
int64_t sys_alarm(struct memu *m, const uint64_t *a);
int64_t sys_getitimer(struct memu *m, const uint64_t *a);
int64_t sys_setitimer(struct memu *m, const uint64_t *a);
int64_t sys_sigaltstack(struct memu *m, const uint64_t *a);
int64_t sys_kill(struct memu *m, const uint64_t *a);
int64_t sys_getpgid(struct memu *m, const uint64_t *a);
int64_t sys_getpgrp(struct memu *m, const uint64_t *a);
int64_t sys_getsid(struct memu *m, const uint64_t *a);
int64_t sys_setpgid(struct memu *m, const uint64_t *a);
int64_t sys_setsid(struct memu *m, const uint64_t *a);
int64_t sys_fork(struct memu *m, const uint64_t *a);
int64_t sys_vfork(struct memu *m, const uint64_t *a);
int64_t sys_clone(struct memu *m, const uint64_t *a);
int64_t sys_execve(struct memu *m, const uint64_t *a);
int64_t sys_execveat(struct memu *m, const uint64_t *a);
struct walk;
/* sys_fs.c: walk path (a host string) from dirfd's directory or the
 * cwd, as the *at calls do; -ENOENT for "". */
int walk_path_at(struct memu *m, uint64_t dirfd, const char *path,
		 unsigned flags, struct walk *w);
int64_t sys_exit(struct memu *m, const uint64_t *a);
int64_t sys_wait4(struct memu *m, const uint64_t *a);
int64_t sys_waitid(struct memu *m, const uint64_t *a);
int64_t sys_tkill(struct memu *m, const uint64_t *a);
int64_t sys_tgkill(struct memu *m, const uint64_t *a);
int64_t sys_set_robust_list(struct memu *m, const uint64_t *a);
int64_t sys_getrusage(struct memu *m, const uint64_t *a);
int64_t sys_sched_getaffinity(struct memu *m, const uint64_t *a);
int64_t sys_futex(struct memu *m, const uint64_t *a);
int64_t sys_gettid(struct memu *m, const uint64_t *a);
int64_t sys_get_robust_list(struct memu *m, const uint64_t *a);

/* sys_time.c */
int64_t sys_clock_gettime(struct memu *m, const uint64_t *a);
int64_t sys_clock_getres(struct memu *m, const uint64_t *a);
int64_t sys_gettimeofday(struct memu *m, const uint64_t *a);
int64_t sys_time(struct memu *m, const uint64_t *a);
int64_t sys_nanosleep(struct memu *m, const uint64_t *a);
int64_t sys_clock_nanosleep(struct memu *m, const uint64_t *a);
int64_t sys_getrandom(struct memu *m, const uint64_t *a);
int64_t sys_sched_yield(struct memu *m, const uint64_t *a);
/* sys_io.c: signalfd */
int64_t sys_signalfd(struct memu *m, const uint64_t *a);
int64_t sys_signalfd4(struct memu *m, const uint64_t *a);
/* sys_io.c: timerfd */
int64_t sys_timerfd_create(struct memu *m, const uint64_t *a);
int64_t sys_timerfd_settime(struct memu *m, const uint64_t *a);
int64_t sys_timerfd_gettime(struct memu *m, const uint64_t *a);
/* clone3.c */
int64_t sys_clone3(struct memu *m, const uint64_t *a);
/* sys_poll.c */
int64_t sys_poll(struct memu *m, const uint64_t *a);
int64_t sys_ppoll(struct memu *m, const uint64_t *a);
int64_t sys_select(struct memu *m, const uint64_t *a);
int64_t sys_pselect6(struct memu *m, const uint64_t *a);
/* restart_syscall of an interrupted poll (do_restart_poll) */
int64_t poll_restart(struct memu *m);
/* ... and what sys_epoll.c waits with.  No deadline: */
#define POLL_NO_DEADLINE UINT64_MAX
/* The deadline of a wait of ns (timeout false: POLL_NO_DEADLINE); a
 * call that blocked and runs again keeps its first. */
uint64_t poll_deadline(struct memu *m, bool timeout, uint64_t ns);
/* The deadline of the timespec (timeval) at uaddr, 0: none; -EFAULT,
 * -EINVAL. */
int timeout_deadline(struct memu *m, uint64_t uaddr, bool timeval,
		     uint64_t *deadline);
/* Nothing was ready: wait until deadline or wake (a file's next event,
 * 0: none).  0: that time came, look again; -ERESTARTNOHAND: a signal;
 * -ERESTARTSYS: the task blocked, and the call is rewound. */
/* What ends a wait besides the deadline, a file moving and a signal
 * taken: the earliest time a polled file becomes ready by itself (a
 * timer; 0: none), and the signals whose coming makes one ready (a
 * signalfd's). */
struct poll_wake {
	uint64_t at;
	uint64_t signals;
};
int64_t poll_schedule_timeout(struct memu *m, uint64_t deadline,
			      const struct poll_wake *wake);
/* The signal mask for a wait (size must be 8), the caller's in *old. */
int set_user_sigmask(struct memu *m, uint64_t umask, uint64_t size,
		     uint64_t *old);
/* Put the caller's mask back, or, when a signal interrupted the wait,
 * let its handler's frame do it. */
void restore_saved_sigmask_unless(struct memu *m, uint64_t old,
				  bool interrupted);
/* sys_epoll.c */
int64_t sys_epoll_create(struct memu *m, const uint64_t *a);
int64_t sys_epoll_create1(struct memu *m, const uint64_t *a);
int64_t sys_epoll_ctl(struct memu *m, const uint64_t *a);
int64_t sys_epoll_wait(struct memu *m, const uint64_t *a);
int64_t sys_epoll_pwait(struct memu *m, const uint64_t *a);
int64_t sys_epoll_pwait2(struct memu *m, const uint64_t *a);

#endif
