/* execve and execveat (Linux fs/exec.c, fs/binfmt_elf.c,
 * fs/binfmt_script.c): a static program from the guest's file system
 * replaces the calling process's image (docs/processes.md, "execve").
 *
 * Everything that can fail with an errno is done before the point of no
 * return: the path, argv and envp copied in (EFAULT, E2BIG), the file
 * looked up and opened for exec (ENOENT, ENOTDIR, ELOOP, EACCES), its
 * bytes read from the page cache and checked (ENOEXEC; an interpreter
 * that is missing: ENOENT), a "#!" script's interpreter found in turn.
 * Past it the old address space is dropped, close-on-exec descriptors
 * closed, caught signals reset, and the program loaded as memu_load
 * loads the first one; only running out of emulated memory can fail
 * there, and kills the process with SIGSEGV, as Linux's bprm_execve.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../devices/fs.h"
#include "../mmu/tlb.h"
#include "../mmu/uaccess.h"
#include "gdbstub.h"
#include "machine.h"
#include "syscall.h"

#define MAX_ARG_STRLEN	     (32 * PAGE_SIZE) /* one string, its NUL included */
#define MAX_ARG_STRINGS	     0x7fffffff
#define ARG_MAX		     (32 * PAGE_SIZE)
#define STK_LIM		     (8ULL << 20)
#define BINPRM_BUF_SIZE	     256
#define MAX_EXEC_DEPTH	     5 /* script on script (exec_binprm) */
#define AT_EMPTY_PATH_	     0x1000
#define AT_SYMLINK_NOFOLLOW_ 0x100

/* Linux struct linux_binprm: what exec carries to its point of no
 * return. */
struct binprm {
	char **argv, **envp; /* host copies, NULL-terminated */
	int argc, envc;
	uint64_t left;	/* bytes the strings may still take (argmin) */
	char *filename; /* as the caller named it: AT_EXECFN, comm */
	char *interp;	/* the file now being looked at (a script's
			 * interpreter after the script) */
	struct inode *inode;
	struct dentry *dentry; /* NULL for an fd with no name */
	const char *noname;    /* then its inode's name ("memfd:NAME") */
	char comm[PROC_COMM_LEN];
	uint8_t *bytes; /* the file's contents */
	size_t size;
};

static void free_strings(char **v, int n)
{
	for (int i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

static void binprm_free(struct binprm *b)
{
	free_strings(b->argv, b->argc);
	free_strings(b->envp, b->envc);
	free(b->filename);
	free(b->interp);
	free(b->bytes);
	if (b->inode)
		inode_put(b->inode);
}

/* Linux count(): the pointers up to the NULL (a NULL array: none). */
static int count_ptrs(struct memu *m, uint64_t uv, int *n)
{
	*n = 0;
	if (!uv)
		return 0;
	for (uint64_t i = 0;; i++) {
		uint64_t p;
		if (copy_from_user(m->proc->mm, &p, uv + i * 8, 8))
			return -EFAULT;
		if (!p)
			break;
		if (i >= MAX_ARG_STRINGS)
			return -E2BIG;
		*n = (int)(i + 1);
	}
	return 0;
}

/* Linux bprm_stack_limits: the strings and their pointers may take a
 * quarter of the stack limit (at least ARG_MAX, at most 6 MiB). */
static int stack_limits(struct memu *m, struct binprm *b)
{
	uint64_t limit = STK_LIM / 4 * 3;
	if (limit > m->proc->mm->stack_rlimit / 4)
		limit = m->proc->mm->stack_rlimit / 4;
	if (limit < ARG_MAX)
		limit = ARG_MAX;
	uint64_t ptrs = (uint64_t)((b->argc ? b->argc : 1) + b->envc) * 8;
	if (limit <= ptrs)
		return -E2BIG;
	b->left = limit - ptrs;
	return 0;
}

/* Take len bytes (the NUL included) of the space left: E2BIG past it. */
static int take(struct binprm *b, size_t len)
{
	if (len > MAX_ARG_STRLEN || len > b->left)
		return -E2BIG;
	b->left -= len;
	return 0;
}

/* Linux copy_strings: n guest strings into *out, in order (Linux copies
 * them last first; the errors are the same). */
static int copy_strings(struct memu *m, struct binprm *b, uint64_t uv, int n,
			char ***out)
{
	*out = calloc((size_t)n + 1, sizeof(char *));
	if (!*out)
		return -ENOMEM;
	char *buf = malloc(MAX_ARG_STRLEN);
	if (!buf)
		return -ENOMEM;
	int err = 0;
	for (int i = n - 1; i >= 0 && !err; i--) {
		uint64_t p;
		if (copy_from_user(m->proc->mm, &p, uv + (uint64_t)i * 8, 8)) {
			err = -EFAULT;
			break;
		}
		long len =
			strncpy_from_user(m->proc->mm, buf, p, MAX_ARG_STRLEN);
		if (len == -ENAMETOOLONG)
			err = -E2BIG;
		else if (len < 0)
			err = -EFAULT;
		else if (!(err = take(b, (size_t)len + 1)) &&
			 !((*out)[i] = strdup(buf)))
			err = -ENOMEM;
	}
	free(buf);
	return err;
}

/* Linux do_open_execat and may_open for MAY_EXEC: a regular file with an
 * execute bit (the guest is root), found from dirfd. */
static int open_exec(struct memu *m, uint64_t dirfd, const char *path,
		     int flags, struct binprm *b)
{
	struct inode *i;
	struct dentry *d = NULL;
	if (flags & ~(AT_EMPTY_PATH_ | AT_SYMLINK_NOFOLLOW_))
		return -EINVAL;
	if (!path[0]) {
		struct file *f = fd_file(m, dirfd);
		if (!f)
			return -EBADF;
		i = file_inode(f);
		d = f->dentry;
		if (!i)
			return -EACCES; /* a pipe, a device */
		b->noname = d ? NULL : i->name;
	} else {
		struct walk w;
		int err = walk_path_at(
			m, dirfd, path,
			flags & AT_SYMLINK_NOFOLLOW_ ? 0 : WALK_FOLLOW, &w);
		if (err)
			return err;
		/* /proc/PID/fd/N of a memfd: its inode, which has no name */
		i = w.d ? w.d->inode : w.file ? file_inode(w.file) : NULL;
		if (!i)
			return -ENOENT;
		d = w.d;
		b->noname = d ? NULL : i->name;
	}
	if (S_ISLNK(i->mode))
		return -ELOOP;
	if (!S_ISREG(i->mode) || !i->shm || !(i->mode & 0111))
		return -EACCES;
	/* Its bytes now: nothing can change them before the load.  A file
	 * larger than RAM (sparse: ftruncate) would make memu hold that
	 * much host memory: ENOMEM (docs/processes.md). */
	if (i->size > m->cfg.ram_bytes)
		return -ENOMEM;
	uint8_t *bytes = malloc(i->size ? i->size : 1);
	if (!bytes)
		return -ENOMEM;
	int err = shmem_read_kernel(i, 0, bytes, i->size);
	if (err) {
		free(bytes);
		return err;
	}
	if (b->inode)
		inode_put(b->inode);
	free(b->bytes);
	inode_get(i);
	b->inode = i;
	b->dentry = d;
	b->bytes = bytes;
	b->size = i->size;
	return 0;
}

/* Put s in front of argv. */
static int push_front(struct binprm *b, const char *s)
{
	int err = take(b, strlen(s) + 1);
	if (err)
		return err;
	char **v = realloc(b->argv, ((size_t)b->argc + 2) * sizeof(char *));
	if (!v)
		return -ENOMEM;
	b->argv = v;
	memmove(v + 1, v, ((size_t)b->argc + 1) * sizeof(char *));
	if (!(v[0] = strdup(s)))
		return -ENOMEM;
	b->argc++;
	return 0;
}

static bool spacetab(char c)
{
	return c == ' ' || c == '\t';
}

/* Linux load_script: "#!interpreter [argument]" in the first 256 bytes;
 * argv becomes interpreter, [argument], the script's name, argv[1]... */
static int load_script(struct binprm *b, char *name, size_t name_size)
{
	char buf[BINPRM_BUF_SIZE + 1];
	size_t n = b->size < BINPRM_BUF_SIZE ? b->size : BINPRM_BUF_SIZE;
	memset(buf, 0, sizeof(buf));
	memcpy(buf, b->bytes, n);
	char *end = buf + BINPRM_BUF_SIZE - 1;
	/* strnchr: the line ends at a newline or a NUL */
	char *i_end = memchr(buf, '\n', strnlen(buf, BINPRM_BUF_SIZE));
	if (!i_end) {
		char *p = buf + 2;
		while (p < end && spacetab(*p))
			p++;
		if (p >= end)
			return -ENOEXEC; /* nothing but spaces */
		while (p < end && !spacetab(*p) && *p)
			p++;
		if (p >= end)
			return -ENOEXEC; /* the interpreter's name is cut */
		i_end = end;
	}
	while (i_end > buf + 2 && spacetab(i_end[-1]))
		i_end--;
	*i_end = 0;
	char *i_name = buf + 2;
	while (i_name < i_end && spacetab(*i_name))
		i_name++;
	if (i_name >= i_end)
		return -ENOEXEC;
	char *i_arg = NULL, *sep = i_name;
	while (sep < i_end && *sep && !spacetab(*sep))
		sep++;
	if (sep < i_end && *sep) {
		*sep = 0;
		i_arg = sep + 1;
		while (i_arg < i_end && spacetab(*i_arg))
			i_arg++;
		if (i_arg >= i_end)
			i_arg = NULL;
	}
	/* remove_arg_zero, then the script's name, the argument and the
	 * interpreter in front. */
	if (b->argc) {
		b->left += strlen(b->argv[0]) + 1;
		free(b->argv[0]);
		memmove(b->argv, b->argv + 1, (size_t)b->argc * sizeof(char *));
		b->argc--;
	}
	int err = push_front(b, b->interp);
	if (!err && i_arg)
		err = push_front(b, i_arg);
	if (!err)
		err = push_front(b, i_name);
	if (err)
		return err;
	snprintf(name, name_size, "%s", i_name);
	return 1;
}

/* Linux search_binary_handler over binfmt_script and binfmt_elf: 0 for a
 * program to load, 1 with the next file to open in name, or -errno. */
static int check_binary(struct memu *m, struct binprm *b, char *name,
			size_t name_size)
{
	if (b->size >= 2 && b->bytes[0] == '#' && b->bytes[1] == '!')
		return load_script(b, name, name_size);
	char interp[FS_PATH_MAX];
	int r = elf_exec_check(b->bytes, b->size, interp, sizeof(interp));
	if (r < 0)
		return -ENOEXEC;
	if (r == 0)
		return 0;
	/* A dynamically linked program: Linux opens its interpreter (an
	 * error there is exec's); memu runs static programs only, so one
	 * that is there is ENOEXEC (docs/processes.md). */
	struct binprm probe = {0};
	int err = open_exec(m, AT_FDCWD, interp, 0, &probe);
	binprm_free(&probe);
	return err ? err : -ENOEXEC;
}

/* The point of no return: the old image goes, the new one comes. */
static void exec_commit(struct memu *m, struct binprm *b, struct mm *mm)
{
	struct process *p = m->proc;
	struct mm *old = p->mm;
	char exe[FS_PATH_MAX];
	if (b->noname)
		snprintf(exe, sizeof(exe), "/%s (deleted)", b->noname);
	else if (!b->dentry || d_path(b->dentry, exe, sizeof(exe)) < 0)
		snprintf(exe, sizeof(exe), "%s", b->filename);
	/* comm is the name the caller gave (Linux __set_task_comm with
	 * kbasename(filename)); an fd's is its file's. */
	const char *name = b->filename;
	if (!strncmp(name, "/dev/fd/", 8) && b->dentry)
		name = b->dentry->name;
	else if (!strncmp(name, "/dev/fd/", 8) && b->noname)
		name = b->noname;
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	size_t n = strnlen(base, sizeof(b->comm) - 1); /* TASK_COMM_LEN */
	memcpy(b->comm, base, n);
	b->comm[n] = 0;

	/* exec_mmap and mm_release: a vfork parent goes on now. */
	memrange_release(&m->mmu.memrange, (uint64_t)p->task.pid);
	p->clear_child_tid = 0;
	if (p->vfork_parent) {
		wake_task(p->vfork_parent);
		p->vfork_parent = NULL;
	}
	/* de_thread: the process's other threads end here, and a caller
	 * other than the leader takes its place and its pid; then
	 * exec_mm_release: the caller's robust and PI futexes. */
	zap_other_threads(m);
	de_thread(m);
	futex_exit_release(m, p);
	sched_account(m);
	mm_flush_tlb(old);
	p->mm = mm;
	p->group_leader->mm = mm;
	m->devices.mm = mm;
	uint64_t cr3 = pt_root(mm);
	uc_reg_write(m->uc, UC_X86_REG_CR3, &cr3);
	tlb_switch_mm(&m->mmu);
	mm_destroy(old); /* after it no VMA names the old exe */
	free(p->exe);
	p->exe = strdup(exe);
	const char *slash = p->exe ? strrchr(p->exe, '/') : NULL;
	p->comm = slash ? slash + 1 : p->exe;

	/* do_close_on_exec, flush_signal_handlers, the alternate stack */
	for (int fd = 0; fd < PROC_FDS; fd++)
		if (p->files->fds[fd] && p->files->cloexec[fd])
			fd_close(m, (uint64_t)fd);
	for (int sig = 1; sig <= 64; sig++) {
		struct guest_sigaction *ka = &p->sighand->action[sig];
		uint64_t h = ka->handler == GUEST_SIG_IGN ? GUEST_SIG_IGN
							  : GUEST_SIG_DFL;
		*ka = (struct guest_sigaction){h, 0, 0, 0};
	}
	p->altstack.sp = p->altstack.size = 0;
	cap_exec(p);
	b->dentry = NULL; /* an fd's entry may be gone with the fd */
	memset(&p->vm, 0, sizeof(p->vm));
	p->task.hiwater_vm = p->task.hiwater_rss = 0;
}

/* Registers as Linux's start_thread leaves them: all zero but RIP, RSP
 * and RFLAGS (IF), the FPU and SSE state at its reset values.  The
 * syscall hook adds the instruction's length to RIP on its way out. */
static void start_thread(struct memu *m)
{
	static const int regs[] = {
		UC_X86_REG_RAX,	    UC_X86_REG_RBX,    UC_X86_REG_RCX,
		UC_X86_REG_RDX,	    UC_X86_REG_RSI,    UC_X86_REG_RDI,
		UC_X86_REG_RBP,	    UC_X86_REG_R8,     UC_X86_REG_R9,
		UC_X86_REG_R10,	    UC_X86_REG_R11,    UC_X86_REG_R12,
		UC_X86_REG_R13,	    UC_X86_REG_R14,    UC_X86_REG_R15,
		UC_X86_REG_FS_BASE, UC_X86_REG_GS_BASE};
	uint64_t zero = 0;
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		uc_reg_write(m->uc, regs[i], &zero);
	uint8_t xmm[16] = {0};
	for (int i = 0; i < 16; i++)
		uc_reg_write(m->uc, UC_X86_REG_XMM0 + i, xmm);
	uint64_t mxcsr = 0x1f80, fpcw = 0x37f, flags = 0x202;
	uc_reg_write(m->uc, UC_X86_REG_MXCSR, &mxcsr);
	uc_reg_write(m->uc, UC_X86_REG_FPCW, &fpcw);
	uc_reg_write(m->uc, UC_X86_REG_EFLAGS, &flags);
	uint64_t rsp = m->proc->initial_rsp, rip = m->proc->entry - 2;
	uc_reg_write(m->uc, UC_X86_REG_RSP, &rsp);
	uc_reg_write(m->uc, UC_X86_REG_RIP, &rip);
	m->exec_entry = m->proc->entry;
}

/* Load the program into mm, already the current one. */
static int exec_load(struct memu *m, struct binprm *b)
{
	struct exec_image img;
	char err[256];
	if (load_elf_memory(m, m->proc->exe, b->bytes, b->size, &img, err,
			    sizeof(err)) ||
	    build_stack(m, &img, b->argc, (const char *const *)b->argv,
			(const char *const *)b->envp, b->filename, err,
			sizeof(err)))
		return -1;
	m->proc->mm->start_brk = m->proc->mm->brk = img.brk;
	m->proc->entry = img.entry;
	proc_task_exec(m, &img);
	memcpy(m->proc->task.comm, b->comm, sizeof(b->comm));
	mm_flush_tlb(m->proc->mm);
	return 0;
}

/* A new address space with the kernel half entered. */
static struct mm *exec_mm_alloc(struct memu *m)
{
	struct mm *mm = mm_create(&m->mmu);
	for (unsigned i = 0; mm && i < KERNEL_PAGES; i++)
		if (pt_enter_kernel(mm, KERNEL_BASE + i * PAGE_SIZE,
				    m->kernel_pfn + i)) {
			mm_destroy(mm);
			mm = NULL;
		}
	if (mm)
		mm->stack_rlimit = m->proc->mm->stack_rlimit;
	return mm;
}

/* Linux do_execveat_common and bprm_execve, in their order. */
static int64_t do_execveat(struct memu *m, uint64_t dirfd, uint64_t upath,
			   uint64_t uargv, uint64_t uenvp, int flags)
{
	char path[FS_PATH_MAX];
	long len = strncpy_from_user(m->proc->mm, path, upath, sizeof(path));
	if (len < 0)
		return len;
	if (!len && !(flags & AT_EMPTY_PATH_))
		return -ENOENT;
	struct binprm b = {0};
	char name[FS_PATH_MAX + 32];
	if (!len)
		snprintf(name, sizeof(name), "/dev/fd/%d", (int)dirfd);
	else if (path[0] == '/' || (int)dirfd == AT_FDCWD)
		snprintf(name, sizeof(name), "%s", path);
	else
		snprintf(name, sizeof(name), "/dev/fd/%d/%s", (int)dirfd, path);
	int64_t err = count_ptrs(m, uargv, &b.argc);
	if (!err)
		err = count_ptrs(m, uenvp, &b.envc);
	if (!err)
		err = stack_limits(m, &b);
	if (!err)
		err = take(&b, strlen(name) + 1);
	if (!err)
		err = copy_strings(m, &b, uenvp, b.envc, &b.envp);
	if (!err)
		err = copy_strings(m, &b, uargv, b.argc, &b.argv);
	if (!err && b.argc == 0)
		err = push_front(&b, ""); /* Linux 6.1: argv[0] is "" */
	if (!err &&
	    (!(b.filename = strdup(name)) || !(b.interp = strdup(name))))
		err = -ENOMEM;
	if (!err)
		err = open_exec(m, dirfd, path, flags, &b);
	for (int depth = 0; !err; depth++) {
		if (depth > MAX_EXEC_DEPTH) {
			err = -ELOOP;
			break;
		}
		char next[BINPRM_BUF_SIZE];
		err = check_binary(m, &b, next, sizeof(next));
		if (err != 1)
			break;
		free(b.interp);
		err = (b.interp = strdup(next)) ? 0 : -ENOMEM;
		if (!err)
			err = open_exec(m, AT_FDCWD, next, 0, &b);
	}
	struct mm *mm = err ? NULL : exec_mm_alloc(m);
	if (!err && !mm)
		err = -ENOMEM;
	if (err) {
		binprm_free(&b);
		return err;
	}
	exec_commit(m, &b, mm);
	if (exec_load(m, &b)) {
		binprm_free(&b);
		force_sig(m, SIGSEGV, SI_KERNEL, 0, 0,
			  "exec: out of memory past the point of no return");
		return 0;
	}
	binprm_free(&b);
	start_thread(m);
	if (m->gdb) /* docs/gdb.md, "Fork, vfork, exec and exit" */
		gdb_exec(m);
	uc_emu_stop(m->uc); /* the next block is the new program's */
	return 0;
}

int64_t sys_execve(struct memu *m, const uint64_t *a)
{
	return do_execveat(m, AT_FDCWD, a[0], a[1], a[2], 0);
}

int64_t sys_execveat(struct memu *m, const uint64_t *a)
{
	return do_execveat(m, a[0], a[1], a[2], a[3], (int)a[4]);
}
