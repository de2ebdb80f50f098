/* The `memu` command as a user meets it: run the real binary (MEMU_BIN)
 * as a child process and check its exit status, stdout and stderr.
 *
 * A program memu cannot load must cost exactly one line on stderr, of the
 * form "memu: PATH: what is wrong", and exit status 2: no crash, no
 * sanitizer report, no second line.  Broken ELF files are made by copying
 * a built guest and patching its headers in a mkdtemp directory.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unicorn/unicorn.h>
#include <unistd.h>

#include "harness.h"

extern char **environ;

/* A guard against a hung child, not a check. */
#define TIMEOUT_MS (120 * 1000)
#define MAX_TEMPS  8

/* ---- running memu */

struct proc {
	char *out, *err;
	size_t outlen, errlen;
	int status; /* exit status; memu must not die of a signal */
};

static void buf_append(char **buf, size_t *len, const char *p, size_t n)
{
	*buf = realloc(*buf, *len + n + 1);
	cr_assert(*buf);
	memcpy(*buf + *len, p, n);
	*len += n;
	(*buf)[*len] = '\0';
}

static long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Read both pipes to EOF; false if the child outlived the guard. */
static bool drain(struct proc *p, int out_fd, int err_fd)
{
	struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
	long deadline = now_ms() + TIMEOUT_MS;
	char chunk[4096];
	while (fds[0].fd >= 0 || fds[1].fd >= 0) {
		long left = deadline - now_ms();
		if (left <= 0 || poll(fds, 2, (int)left) == 0)
			return false;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !fds[i].revents)
				continue;
			ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
			if (n > 0 && i == 0)
				buf_append(&p->out, &p->outlen, chunk,
					   (size_t)n);
			else if (n > 0)
				buf_append(&p->err, &p->errlen, chunk,
					   (size_t)n);
			else if (n == 0 || errno != EINTR)
				fds[i].fd = -1;
		}
	}
	return true;
}

/* Run MEMU_BIN with the NULL-terminated args (argv[0] excluded). */
static void run_memu(struct proc *p, const char *const *args)
{
	const char *argv[32] = {MEMU_BIN};
	for (int i = 0; args[i] && i < 30; i++)
		argv[i + 1] = args[i];
	int out[2], err[2];
	cr_assert(pipe2(out, O_CLOEXEC) == 0 && pipe2(err, O_CLOEXEC) == 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	pid_t pid;
	int rc = posix_spawn(&pid, MEMU_BIN, &fa, NULL, (char *const *)argv,
			     environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out[1]);
	close(err[1]);
	cr_assert_eq(rc, 0, "posix_spawn %s: %s", MEMU_BIN, strerror(rc));
	memset(p, 0, sizeof(*p));
	buf_append(&p->out, &p->outlen, "", 0);
	buf_append(&p->err, &p->errlen, "", 0);
	bool done = drain(p, out[0], err[0]);
	close(out[0]);
	close(err[0]);
	if (!done)
		kill(pid, SIGKILL);
	int ws;
	cr_assert_eq(waitpid(pid, &ws, 0), pid);
	cr_assert(done, "memu hung (killed after %d ms)", TIMEOUT_MS);
	cr_assert(WIFEXITED(ws), "memu died of signal %d; stderr:\n%s",
		  WTERMSIG(ws), p->err);
	p->status = WEXITSTATUS(ws);
}

#define MEMU(p, ...) run_memu((p), (const char *const[]){__VA_ARGS__, NULL})

static void proc_free(struct proc *p)
{
	free(p->out);
	free(p->err);
}

/* ---- what the output must look like */

static void expect_status(const struct proc *p, int status)
{
	cr_assert_eq(p->status, status,
		     "exit status %d, want %d; stdout:\n%s\nstderr:\n%s",
		     p->status, status, p->out, p->err);
}

/* stderr is exactly one line "memu: ..." that contains every needle. */
static void expect_one_line(const struct proc *p, const char *const *needles)
{
	const char *e = p->err;
	cr_assert(strncmp(e, "memu: ", 6) == 0, "stderr: %s", e);
	cr_assert(p->errlen > 0 && strchr(e, '\n') == e + p->errlen - 1,
		  "stderr is not one line:\n%s", e);
	for (int i = 0; needles[i]; i++)
		cr_assert(strstr(e, needles[i]), "stderr lacks \"%s\": %s",
			  needles[i], e);
}

#define ONE_LINE(p, ...)                                                       \
	expect_one_line((p), (const char *const[]){__VA_ARGS__, NULL})

/* memu refused the program: status 2, one line, nothing on stdout. */
static void expect_refused(const struct proc *p, const char *const *needles)
{
	expect_status(p, 2);
	cr_assert_str_empty(p->out, "stdout: %s", p->out);
	expect_one_line(p, needles);
}

#define REFUSED(p, ...)                                                        \
	expect_refused((p), (const char *const[]){__VA_ARGS__, NULL})

/* text holds line as a whole line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *s = text; (s = strstr(s, line)); s++) {
		if ((s == text || s[-1] == '\n') && s[n] == '\n')
			return true;
	}
	return false;
}

/* The line of text that starts (after blanks) with key, or NULL. */
static char *line_of(const char *text, const char *key)
{
	for (const char *s = text; *s;) {
		const char *end = strchrnul(s, '\n');
		const char *t = s + strspn(s, " ");
		if (!strncmp(t, key, strlen(key)))
			return strndup(s, (size_t)(end - s));
		s = *end ? end + 1 : end;
	}
	return NULL;
}

static void expect_stats_line(const char *err, const char *key,
			      const char *want)
{
	char *line = line_of(err, key);
	cr_assert(line, "no \"%s\" line in the stats:\n%s", key, err);
	cr_expect(strstr(line, want), "\"%s\" lacks \"%s\"", line, want);
	free(line);
}

/* ---- temporary files */

static char tmpdir[64];
static char *temps[MAX_TEMPS];
static int ntemps;

static void make_tmpdir(void)
{
	strcpy(tmpdir, "/tmp/memu-cli-XXXXXX");
	cr_assert(mkdtemp(tmpdir), "mkdtemp: %s", strerror(errno));
}

static void remove_tmpdir(void)
{
	for (int i = 0; i < ntemps; i++) {
		unlink(temps[i]);
		free(temps[i]);
	}
	ntemps = 0;
	rmdir(tmpdir);
}

TestSuite(cli, .init = make_tmpdir, .fini = remove_tmpdir);

static const char *write_temp(const char *name, const void *bytes, size_t n)
{
	cr_assert(ntemps < MAX_TEMPS);
	char *path;
	cr_assert(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	temps[ntemps++] = path;
	FILE *f = fopen(path, "wb");
	cr_assert(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fwrite(bytes, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);
	chmod(path, 0755);
	return path;
}

/* A copy of a built guest in memory, to patch. */
static unsigned char *read_guest(const char *name, size_t *len)
{
	FILE *f = fopen(guest_path(name), "rb");
	cr_assert(f, "%s: %s", guest_path(name), strerror(errno));
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	long n = ftell(f);
	cr_assert(n > (long)sizeof(Elf64_Ehdr));
	rewind(f);
	unsigned char *b = malloc((size_t)n);
	cr_assert(b);
	cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* The index-th PT_LOAD header of an ELF image held in memory. */
static Elf64_Phdr *nth_load(unsigned char *img, size_t len, int index)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	cr_assert(eh->e_phoff + eh->e_phnum * sizeof(Elf64_Phdr) <= len);
	Elf64_Phdr *ph = (Elf64_Phdr *)(img + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && index-- == 0)
			return &ph[i];
	}
	cr_assert_fail("guest has too few PT_LOAD segments");
	return NULL;
}

/* Run `memu run` on the image and free it. */
static void run_image(struct proc *p, const char *name, unsigned char *img,
		      size_t len)
{
	const char *path = write_temp(name, img, len);
	free(img);
	MEMU(p, "run", path);
}

/* ---- programs memu refuses to load */

Test(cli, missing_file)
{
	struct proc p;
	MEMU(&p, "run", "/nonexistent/memu-test-program");
	REFUSED(&p, "/nonexistent/memu-test-program",
		"No such file or directory");
	proc_free(&p);
}

Test(cli, directory)
{
	struct proc p;
	MEMU(&p, "run", tmpdir);
	REFUSED(&p, tmpdir, "not a regular file");
	proc_free(&p);
}

Test(cli, empty_file)
{
	struct proc p;
	const char *path = write_temp("empty", "", 0);
	MEMU(&p, "run", path);
	REFUSED(&p, path, "not an ELF file");
	proc_free(&p);
}

Test(cli, text_file)
{
	static const char text[] = "#!/bin/sh\necho this is not an ELF file\n";
	struct proc p;
	const char *path = write_temp("script.sh", text, sizeof(text) - 1);
	MEMU(&p, "run", path);
	REFUSED(&p, path, "not an ELF file");
	proc_free(&p);
}

Test(cli, elf32)
{
	Elf32_Ehdr eh = {
		.e_ident = {ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS32,
			    ELFDATA2LSB, EV_CURRENT},
		.e_type = ET_EXEC,
		.e_machine = EM_386,
		.e_version = EV_CURRENT,
		.e_entry = 0x8048000,
		.e_ehsize = sizeof(Elf32_Ehdr),
		.e_phentsize = sizeof(Elf32_Phdr),
	};
	struct proc p;
	MEMU(&p, "run", write_temp("elf32", &eh, sizeof(eh)));
	REFUSED(&p, "elf32", "not a 64-bit ELF file");
	proc_free(&p);
}

Test(cli, wrong_architecture)
{
	size_t len;
	unsigned char *img = read_guest("hello", &len);
	((Elf64_Ehdr *)img)->e_machine = EM_AARCH64;
	struct proc p;
	run_image(&p, "aarch64", img, len);
	REFUSED(&p, "aarch64", "wrong architecture", "183");
	proc_free(&p);
}

Test(cli, dynamically_linked)
{
	struct proc p;
	MEMU(&p, "run", "/bin/true");
	REFUSED(&p, "/bin/true", "dynamically linked");
	proc_free(&p);
}

Test(cli, truncated)
{
	size_t len;
	unsigned char *img = read_guest("hello", &len);
	cr_assert(len > 3000);
	struct proc p;
	run_image(&p, "truncated", img, 3000);
	REFUSED(&p, "truncated");
	cr_assert(strstr(p.err, "past the end of the file") ||
			  strstr(p.err, "program headers"),
		  "stderr: %s", p.err);
	proc_free(&p);
}

Test(cli, overlapping_segments)
{
	size_t len;
	unsigned char *img = read_guest("hello", &len);
	nth_load(img, len, 1)->p_vaddr = nth_load(img, len, 0)->p_vaddr;
	struct proc p;
	run_image(&p, "overlap", img, len);
	REFUSED(&p, "overlap", "overlapping");
	proc_free(&p);
}

Test(cli, filesz_exceeds_memsz)
{
	size_t len;
	unsigned char *img = read_guest("hello", &len);
	Elf64_Phdr *ph = nth_load(img, len, 0);
	ph->p_filesz = ph->p_memsz + 16;
	struct proc p;
	run_image(&p, "filesz", img, len);
	REFUSED(&p, "filesz", "file size exceeds memory size");
	proc_free(&p);
}

Test(cli, zero_length_segment_with_file_bytes)
{
	size_t len;
	unsigned char *img = read_guest("hello", &len);
	Elf64_Phdr *ph = nth_load(img, len, 1);
	ph->p_memsz = 0;
	struct proc p;
	run_image(&p, "memsz0", img, len);
	REFUSED(&p, "memsz0", "file size exceeds memory size");
	proc_free(&p);
}

Test(cli, program_header_size_zero)
{
	size_t len;
	unsigned char *img = read_guest("hello", &len);
	((Elf64_Ehdr *)img)->e_phentsize = 0;
	struct proc p;
	run_image(&p, "phentsize0", img, len);
	REFUSED(&p, "phentsize0", "bad program header size");
	proc_free(&p);
}

Test(cli, relocatable_object)
{
	size_t len;
	unsigned char *img = read_guest("hello", &len);
	((Elf64_Ehdr *)img)->e_type = ET_REL;
	struct proc p;
	run_image(&p, "object.o", img, len);
	REFUSED(&p, "object.o", "not an executable", "e_type 1");
	proc_free(&p);
}

/* ---- options and commands */

Test(cli, help)
{
	struct proc p;
	MEMU(&p, "--help");
	expect_status(&p, 0);
	cr_assert_str_empty(p.err, "stderr: %s", p.err);
	cr_assert(strstr(p.out, "memu run"), "stdout: %s", p.out);
	cr_assert(strstr(p.out, "--ram"));
	cr_assert(strstr(p.out, "--stats"));
	proc_free(&p);
}

Test(cli, version)
{
	struct proc p;
	MEMU(&p, "--version");
	expect_status(&p, 0);
	/* Built against (CMake's definitions) and running on (uc_version()) */
	unsigned int uc = uc_version(NULL, NULL);
	char want[256];
	snprintf(want, sizeof(want),
		 "memu 0.1.0 (Unicorn " MEMU_UNICORN_VERSION
		 ", " MEMU_UNICORN_LINK "; uc_version() %u.%u.%u)\n",
		 uc >> 24, (uc >> 16) & 0xff, (uc >> 8) & 0xff);
	cr_assert_str_eq(p.out, want);
	cr_assert_str_empty(p.err, "stderr: %s", p.err);
	proc_free(&p);
}

/* Usage errors: status 2, a "memu: " complaint, nothing run. */
static void expect_usage_error(const struct proc *p, const char *needle)
{
	expect_status(p, 2);
	cr_assert_str_empty(p->out, "stdout: %s", p->out);
	cr_assert(strncmp(p->err, "memu: ", 6) == 0, "stderr: %s", p->err);
	cr_assert(strstr(p->err, needle), "stderr lacks \"%s\": %s", needle,
		  p->err);
	cr_assert_not(strstr(p->err, "Sanitizer"), "stderr: %s", p->err);
}

Test(cli, run_without_program)
{
	struct proc p;
	MEMU(&p, "run");
	expect_usage_error(&p, "run needs a PROGRAM");
	proc_free(&p);
}

Test(cli, bad_ram_size)
{
	struct proc p;
	MEMU(&p, "--ram", "12Q", "run", "x");
	expect_usage_error(&p, "12Q");
	proc_free(&p);
}

Test(cli, bad_seeds)
{
	const char *bad[] = {"-1", "18446744073709551616", "12x", ""};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct proc p;
		MEMU(&p, "--seed", bad[i], "run", "x");
		expect_usage_error(&p, bad[i]);
		proc_free(&p);
	}
}

Test(cli, unknown_command)
{
	struct proc p;
	MEMU(&p, "bogus");
	expect_usage_error(&p, "bogus");
	proc_free(&p);
}

Test(cli, machine_map)
{
	struct proc p;
	MEMU(&p, "machine");
	expect_status(&p, 0);
	cr_assert_str_empty(p.err, "stderr: %s", p.err);
	cr_assert(has_line(p.out, "  0000000a0000-0000000fffff : Reserved (ISA "
				  "I/O hole)"),
		  "stdout:\n%s", p.out);
	cr_assert(has_line(p.out, "  000000100000-00000fffffff : System RAM"),
		  "stdout:\n%s", p.out);
	cr_assert(has_line(p.out, "  00f000000000-00f003ffffff : System RAM "
				  "(page-table bank)"),
		  "stdout:\n%s", p.out);
	proc_free(&p);
}

Test(cli, machine_map_1g)
{
	struct proc p;
	MEMU(&p, "machine", "--ram", "1G");
	expect_status(&p, 0);
	cr_assert(has_line(p.out, "  000000100000-00003fffffff : System RAM"),
		  "stdout:\n%s", p.out);
	proc_free(&p);
}

/* ---- running guests */

/* A guest that exits normally: exact stdout, status, silent stderr. */
static void expect_run(const char *guest, const char *out, int status)
{
	struct proc p;
	MEMU(&p, "run", guest_path(guest), "a", "b");
	expect_status(&p, status);
	cr_assert_str_eq(p.out, out);
	cr_assert_str_empty(p.err, "stderr: %s", p.err);
	proc_free(&p);
}

Test(cli, run_hello)
{
	expect_run("hello", "hello: a b\n", 3);
}

Test(cli, run_hello_glibc)
{
	expect_run("hello_glibc", "hello: a b\n", 3);
}

Test(cli, run_hello_pie)
{
	expect_run("hello_pie", "hello: a b\n", 3);
}

Test(cli, run_freestanding)
{
	expect_run("freestanding", "freestanding: hello\n", 7);
}

Test(cli, null_dereference)
{
	struct proc p;
	MEMU(&p, "run", guest_path("segv_null"));
	expect_status(&p, 128 + SIGSEGV);
	cr_assert_str_eq(p.out, "segv_null: writing to 0\n");
	ONE_LINE(&p, "segv_null", "SIGSEGV", "at 0x0 ", "no VMA");
	proc_free(&p);
}

Test(cli, abort)
{
	struct proc p;
	MEMU(&p, "run", guest_path("abort"));
	expect_status(&p, 128 + SIGABRT);
	cr_assert_str_eq(p.out, "abort: calling abort()\n");
	ONE_LINE(&p, "abort", "SIGABRT");
	proc_free(&p);
}

Test(cli, stats)
{
	struct proc p;
	MEMU(&p, "run", "--stats", guest_path("hello"));
	expect_status(&p, 3);
	cr_assert_str_eq(p.out, "hello:\n");
	cr_assert(strncmp(p.err, "memu stats:\n", 12) == 0, "stderr:\n%s",
		  p.err);
	static const char *const keys[] = {
		"minor faults:", "anon",      "page table",
		"TLB flushes:",	 "syscalls:", "exit_group",
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		expect_stats_line(p.err, keys[i], keys[i]);
	expect_stats_line(p.err, "exit_group ", " 1");
	proc_free(&p);
}

Test(cli, unimplemented_syscalls)
{
	struct proc p;
	MEMU(&p, "run", "--stats", guest_path("enosys"));
	expect_status(&p, 0);
	cr_assert_str_eq(p.out, "syscall 999: -1 errno 38 (ENOSYS)\n"
				"io_setup: -1 errno 38 (ENOSYS)\n");
	expect_stats_line(p.err, "io_setup ", " 1 (ENOSYS 1)");
	expect_stats_line(p.err, "(others) ", " 1 (ENOSYS 1)");
	proc_free(&p);
}

/* ---- devices from the command line */

Test(cli, machine_map_shows_the_hole_devices)
{
	struct proc p;
	MEMU(&p, "machine");
	expect_status(&p, 0);
	cr_assert(has_line(p.out, "    0000000b8000-0000000bffff : Video RAM "
				  "(VGA text) [busy]"),
		  "stdout:\n%s", p.out);
	cr_assert(has_line(p.out, "    0000000f0000-0000000fffff : System ROM "
				  "(BIOS) [busy]"),
		  "stdout:\n%s", p.out);
	cr_assert(has_line(p.out, "    0000000c0000-0000000effff : "
				  "(unclaimed)"),
		  "stdout:\n%s", p.out);
	cr_assert(strstr(p.out, "devices: /dev/mem /dev/kmem"));
	proc_free(&p);
}

Test(cli, vga_prints_the_screen)
{
	struct proc p;
	MEMU(&p, "run", "--vga", guest_path("devmem_vga"));
	expect_status(&p, 0);
	char first[128];
	snprintf(first, sizeof(first), "|Hello from /dev/mem%61s|", "");
	cr_assert(has_line(p.out, first), "stdout:\n%s", p.out);
	cr_assert_eq(strncmp(p.out, "+---", 4), 0);
	proc_free(&p);
}

Test(cli, devmem_policy_changes_what_guests_may_map)
{
	struct proc p;
	MEMU(&p, "run", "--devmem", "open", guest_path("devmem_errno"));
	expect_status(&p, 0);
	cr_assert(has_line(p.out, "map_ram_above_1m ok"), "%s", p.out);
	proc_free(&p);
	MEMU(&p, "run", guest_path("devmem_errno"));
	expect_status(&p, 0);
	cr_assert(has_line(p.out, "map_ram_above_1m EPERM"), "%s", p.out);
	proc_free(&p);
}

Test(cli, bad_devmem_policy)
{
	struct proc p;
	MEMU(&p, "run", "--devmem", "lax", guest_path("hello"));
	expect_usage_error(&p, "--devmem");
	proc_free(&p);
}

/* ---- memory types and NUMA from the command line */

Test(cli, pagetables_show_frames_bits_and_memory_types)
{
	struct proc p;
	MEMU(&p, "run", "--pagetables", guest_path("devmem_map"), "8");
	expect_status(&p, 0);
	/* /dev/mem's VGA window, 8 pages from pfn 0xb8: present, writable,
	 * user, special (a PFN map), read (A, not D), not executable;
	 * uncached. */
	cr_assert(strstr(p.out, "-> pfn 0xb8 rwu-a-s- UC\n"), "stdout:\n%s",
		  p.out);
	cr_assert(strstr(p.out, "page tables (CR3 0xf000000000)"));
	proc_free(&p);
}

/* The guest's anonymous region, as ptview.c leaves it: its address and
 * the frames pagemap gave for pages 0, 1, 2 and 5. */
struct ptview {
	unsigned long long va, pfn0, pfn1, zero, pfn5;
};

static void run_ptview(struct proc *p, const char *opt, struct ptview *v)
{
	MEMU(p, "run", opt, guest_path("ptview"));
	expect_status(p, 0);
	cr_assert_eq(sscanf(p->out, "%llx %llx %llx %llx %llx", &v->va,
			    &v->pfn0, &v->pfn1, &v->zero, &v->pfn5),
		     5, "stdout:\n%s", p->out);
	/* The zero frame, the first frame of RAM above the ISA hole. */
	cr_assert_eq(v->zero, 0x100);
	cr_assert_eq(v->pfn1, v->pfn0 + 1, "stdout:\n%s", p->out);
}

Test(cli, pagetables_show_vmas_runs_accessed_dirty_and_protnone)
{
	struct proc p;
	struct ptview v;
	run_ptview(&p, "--pagetables", &v);
	/* mprotect split the region: 5 pages rw-p, 1 ---p, 2 rw-p.  Under
	 * the first, pages 0-1 written (consecutive frames, one run), pages
	 * 2-4 read (the zero frame three times: special, read-only,
	 * accessed); under the second, page 5's frame kept with P clear and
	 * PROT_NONE set; under the third, nothing (never touched). */
	unsigned long long a = v.va, pg = 4096;
	char want[1024];
	snprintf(want, sizeof(want),
		 "  vma %012llx-%012llx rw-p\n"
		 "    %012llx-%012llx -> pfn %#llx rwu-ad-- WB\n"
		 "    %012llx-%012llx -> pfn 0x100 x3 r-u-a-s- WB\n"
		 "  vma %012llx-%012llx ---p\n"
		 "    %012llx-%012llx -> pfn %#llx --u-ad-p WB\n"
		 "  vma %012llx-%012llx rw-p\n",
		 a, a + 5 * pg, a, a + 2 * pg - 1, v.pfn0, a + 2 * pg,
		 a + 5 * pg - 1, a + 5 * pg, a + 6 * pg, a + 5 * pg,
		 a + 6 * pg - 1, v.pfn5, a + 6 * pg, a + 8 * pg);
	cr_assert(strstr(p.out, want), "want:\n%s\nin:\n%s", want, p.out);
	/* The program's text: executable, read-only, its file named. */
	cr_assert(strstr(p.out, " r-xp /"), "stdout:\n%s", p.out);
	cr_assert(strstr(p.out, " r-uxa--- WB\n"), "stdout:\n%s", p.out);
	proc_free(&p);
}

/* xv6's vmprint: "page table" and the root, then each present entry,
 * depth first, " .." per level, the index, the raw entry and the
 * address it points to, both as 16 hex digits. */
Test(cli, vmprint_prints_the_tree_in_xv6_format)
{
	struct proc p;
	struct ptview v;
	run_ptview(&p, "--vmprint", &v);
	const char *tree = strstr(p.out, "\npage table 0x000000f000000000\n");
	cr_assert(tree, "stdout:\n%s", p.out);
	/* The walk to page 0, each level's index read off the address. */
	const char *at = tree;
	for (int level = 4; level >= 1; level--) {
		unsigned idx = (unsigned)(v.va >> (12 + 9 * (level - 1))) & 511;
		char want[128] = "\n";
		for (int d = 4; d >= level; d--)
			strcat(want, " ..");
		char *end = want + strlen(want);
		snprintf(end, sizeof(want) - (size_t)(end - want), "%u: pte 0x",
			 idx);
		at = strstr(at, want);
		cr_assert(at,
			  "level %d: want %s after the previous level in:\n%s",
			  level, want, p.out);
	}
	/* The leaf: NX, soft-dirty (bit 11, written since exec), D, A, U,
	 * W, P, and the frame pagemap gave. */
	char leaf[128];
	snprintf(leaf, sizeof(leaf), "%u: pte 0x%016llx pa 0x%016llx\n",
		 (unsigned)(v.va >> 12) & 511,
		 (1ULL << 63) | v.pfn0 << 12 | 0x867, v.pfn0 << 12);
	cr_assert(!strncmp(strchr(at, '.') + 11, leaf, strlen(leaf)),
		  "want %s at:\n%.200s", leaf, at);
	/* The zero frame's entries: special (bit 9), read-only, accessed. */
	char zero[96];
	snprintf(zero, sizeof(zero),
		 "%u: pte 0x%016llx pa 0x0000000000100000\n",
		 (unsigned)((v.va >> 12) + 2) & 511,
		 (1ULL << 63) | 0x100000ULL | 0x225);
	cr_assert(strstr(tree, zero), "want %s in:\n%s", zero, p.out);
	proc_free(&p);
	MEMU(&p, "run", "--vmprint=sometimes", guest_path("hello"));
	expect_usage_error(&p, "--vmprint");
	proc_free(&p);
}

Test(cli, machine_shows_numa_domains_and_mtrrs)
{
	struct proc p;
	MEMU(&p, "machine", "--numa", "2", "--mtrr-var", "4");
	expect_status(&p, 0);
	cr_assert(has_line(p.out, "NUMA domain 1: 0x8000000-0xfffffff"),
		  "stdout:\n%s", p.out);
	cr_assert(has_line(p.out, "MTRRs: 4 variable ranges, enabled, default "
				  "type UC; firmware ranges: memcontrol list"),
		  "stdout:\n%s", p.out);
	proc_free(&p);
}

Test(cli, bad_numa_and_mtrr_options)
{
	struct proc p;
	MEMU(&p, "machine", "--numa", "9");
	expect_usage_error(&p, "--numa");
	proc_free(&p);
	MEMU(&p, "machine", "--mtrr", "sometimes");
	expect_usage_error(&p, "--mtrr");
	proc_free(&p);
	MEMU(&p, "machine", "--mtrr-var", "33");
	expect_usage_error(&p, "--mtrr-var");
	proc_free(&p);
}

/* ---- host files in the guest: --file and --dir */

Test(cli, file_and_dir_copy_host_files_in)
{
	const char *in = write_temp("in.txt", "hello\n", 6);
	char tree[300], sub[320], b[340], link[320], spec[700];
	snprintf(tree, sizeof(tree), "%s/tree", tmpdir);
	snprintf(sub, sizeof(sub), "%s/sub", tree);
	snprintf(b, sizeof(b), "%s/b", sub);
	snprintf(link, sizeof(link), "%s/l", tree);
	cr_assert_eq(mkdir(tree, 0750), 0);
	cr_assert_eq(mkdir(sub, 0755), 0);
	FILE *f = fopen(b, "w");
	fputs("deep\n", f);
	fclose(f);
	chmod(b, 0600);
	cr_assert_eq(symlink("sub/b", link), 0);
	char fspec[400];
	snprintf(fspec, sizeof(fspec), "%s:/data/in.txt", in);
	snprintf(spec, sizeof(spec), "%s:/t", tree);

	struct proc p;
	MEMU(&p, "run", "--file", fspec, "--dir", spec, "--file", in,
	     guest_path("readfiles"), "/data/in.txt", in, "/t", "/t/sub/b",
	     "/t/l", "+/data/in.txt", "/data/in.txt", "/etc");
	expect_status(&p, 0);
	char want[2048];
	snprintf(want, sizeof(want),
		 "/data/in.txt 755 6: hello\n"
		 "%s 755 6: hello\n"
		 "/t/ 750: l sub\n"
		 "/t/sub/b 600 5: deep\n"
		 "/t/l -> sub/b\n"
		 "/t/l 600 5: deep\n"
		 "/data/in.txt 755 12: hello\nguest\n"
		 "/etc: No such file or directory\n",
		 in);
	cr_assert_str_eq(p.out, want);
	proc_free(&p);
	/* The guest's write stayed in the guest. */
	f = fopen(in, "r");
	char got[16] = {0};
	fread(got, 1, sizeof(got) - 1, f);
	fclose(f);
	cr_assert_str_eq(got, "hello\n");
	unlink(link);
	unlink(b);
	rmdir(sub);
	rmdir(tree);
}

Test(cli, bad_file_and_dir_options)
{
	const char *in = write_temp("x.txt", "x", 1);
	char dirspec[300], dotdot[400];
	snprintf(dirspec, sizeof(dirspec), "%s", tmpdir);
	snprintf(dotdot, sizeof(dotdot), "%s:/a/../b", in);
	const char *cases[][2] = {
		{"--file", "/nonexistent/file"},
		{"--dir", in},
		{"--file", dirspec},
		{"--file", dotdot},
		{"--file", ""},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct proc p;
		MEMU(&p, "run", cases[i][0], cases[i][1], guest_path("hello"));
		expect_status(&p, 2);
		cr_assert(!strncmp(p.err, "memu: ", 6), "%s", p.err);
		cr_assert_eq(strchr(p.err, '\n'), p.err + strlen(p.err) - 1,
			     "one line: %s", p.err);
		cr_assert_str_eq(p.out, "");
		proc_free(&p);
	}
}

Test(cli, pagetables_at_every_probe)
{
	struct proc p;
	MEMU(&p, "run", "--pagetables=probe", guest_path("file_faults"));
	expect_status(&p, 0);
	const char *probe = strstr(p.out, "memu: probe 1\n");
	cr_assert(probe, "stdout:\n%s", p.out);
	/* The VMAs first, as /proc/self/maps: the file, shared and private. */
	cr_assert(strstr(probe, " rw-s 00000000 00:1a "), "%s", probe);
	cr_assert(strstr(probe, " rw-p 00000000 00:1a "), "%s", probe);
	cr_assert(strstr(probe, "/tmp/f\n"), "%s", probe);
	const char *pt = strstr(probe, "page tables (CR3 0xf000000000)");
	cr_assert(pt, "%s", probe);
	cr_assert(strstr(pt + 1, "page tables (CR3"), "and again at the end");
	proc_free(&p);
	MEMU(&p, "run", "--pagetables=sometimes", guest_path("hello"));
	expect_status(&p, 2);
	proc_free(&p);
}

/* ---- fault injection from the command line (docs/inject.md) */

/* The stats line of spec text, or NULL. */
static const char *stats_line(const struct proc *p, const char *spec)
{
	return strstr(p->err, spec);
}

Test(cli, inject_fails_a_syscall_as_strace_inject_does)
{
	struct proc p;
	/* hello prints with one writev: it fails, nothing is printed, and
	 * the program goes on to return its argc. A spec for write(2),
	 * which hello never calls, never fires, and says so. */
	MEMU(&p, "run", "--stats", "--inject",
	     "syscall:errno=EIO@event=syscall.writev#1", "--inject",
	     "syscall:errno=EIO@event=syscall.write", guest_path("hello"), "a",
	     "b");
	expect_status(&p, 3);
	cr_assert_str_empty(p.out);
	cr_assert(stats_line(&p, "    syscall:errno=EIO@event=syscall.writev#1:"
				 " fired 1\n"),
		  "%s", p.err);
	cr_assert(stats_line(&p, "    syscall:errno=EIO@event=syscall.write#1:"
				 " NEVER FIRED\n"),
		  "%s", p.err);
	proc_free(&p);
}

Test(cli, inject_sends_a_signal_at_an_event)
{
	struct proc p;
	/* Sent as writev is entered: the call runs, and the signal is
	 * delivered on its way out, as one that arrives during a call. */
	MEMU(&p, "run", "--inject", "signal:sig=SIGUSR1@event=syscall.writev",
	     guest_path("hello"), "a", "b");
	expect_status(&p, 128 + SIGUSR1);
	cr_assert_str_eq(p.out, "hello: a b\n");
	ONE_LINE(&p, "killed by SIGUSR1");
	proc_free(&p);
}

Test(cli, inject_loses_a_tlb_flush)
{
	/* Armed at the guest's probe: the munmap after it loses its
	 * flush, and the page still reads through the stale entry until the
	 * next real flush, as the library call memu_lose_tlb_flushes does
	 * in inject_test. */
	struct proc p;
	MEMU(&p, "run", "--inject",
	     "lose-flush:count=1,reason=unmap@event=syscall.memu_probe",
	     guest_path("lost_flush"), "unmap");
	expect_status(&p, 0);
	cr_assert_str_eq(p.out, "before munmap: read A\n"
				"after munmap: read A\n"
				"after a flush: SIGSEGV code 1\n");
	proc_free(&p);
}

Test(cli, inject_fails_a_frame_allocation_and_the_fault_is_retried)
{
	/* Linux 6.1: a page fault whose allocation fails is retried
	 * (pagefault_out_of_memory kills nobody): the guest never knows. */
	struct proc p, q;
	MEMU(&p, "run", "--stats", guest_path("anon_touch"), "write", "8");
	MEMU(&q, "run", "--stats", "--inject",
	     "fail-alloc:times=1@event=fault.anon#3", guest_path("anon_touch"),
	     "write", "8");
	expect_status(&q, 0);
	cr_assert_str_eq(q.out, p.out);
	cr_assert(stats_line(&q, "    frame allocations    1 (of "), "%s",
		  q.err);
	cr_assert(stats_line(&q, "fail-alloc:times=1@event=fault.anon#3: "
				 "fired 1\n"),
		  "%s", q.err);
	proc_free(&p);
	proc_free(&q);
}

Test(cli, inject_is_deterministic_and_traced)
{
	/* A bit of RSP flipped after instruction 1,000: a crash, the same on
	 * every run, byte for byte, and the trace names the injection. */
	const char *t1 = write_temp("t1.jsonl", "", 0);
	const char *t2 = write_temp("t2.jsonl", "", 0);
	struct proc p, q;
	MEMU(&p, "run", "--trace", t1, "--trace-events", "inject,signal",
	     "--inject", "flip:reg=rsp,bit=44@insn=1000", guest_path("hello"),
	     "a", "b");
	MEMU(&q, "run", "--trace", t2, "--trace-events", "inject,signal",
	     "--inject", "flip:reg=rsp,bit=44@insn=1000", guest_path("hello"),
	     "a", "b");
	cr_assert_eq(p.status, 128 + SIGSEGV, "%s", p.err);
	cr_assert_str_eq(p.err, q.err);
	cr_assert_str_eq(p.out, q.out);
	char a[8192] = "", b[8192] = "";
	FILE *f = fopen(t1, "r");
	size_t na = fread(a, 1, sizeof(a) - 1, f);
	fclose(f);
	f = fopen(t2, "r");
	size_t nb = fread(b, 1, sizeof(b) - 1, f);
	fclose(f);
	cr_assert_eq(na, nb);
	cr_assert_str_eq(a, b, "the same trace, byte for byte");
	cr_assert(strstr(a, "\"n\":1000,"), "%s", a);
	cr_assert(strstr(a, "\"ev\":\"inject\""), "%s", a);
	cr_assert(strstr(a, "\"spec\":0,\"what\":\"bitflip_reg\""), "%s", a);
	cr_assert(strstr(a, "\"ev\":\"signal\""), "%s", a);
	proc_free(&p);
	proc_free(&q);
}

Test(cli, bad_inject_specs)
{
	static const char *const specs[][2] = {
		{"melt:x=1@insn=1", "unknown fault 'melt'"},
		{"flip:phys=0x1g,bit=1@insn=1", "phys: not a number: '0x1g'"},
		{"flip:phys=0x900000000,bit=1@insn=5",
		 "phys=0x900000000 is past RAM"},
		{"hwpoison:pfn=0x100000@insn=5", "pfn=0x100000 is past RAM"},
		{"flip:va=0xffffffff80000000,bit=1@insn=5",
		 "is not a user address"},
		{"syscall:errno=EIO@insn=5",
		 "syscall: faults go with @event=syscall"},
		{"signal:sig=1", "no @WHEN"},
	};
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct proc p;
		MEMU(&p, "run", "--inject", specs[i][0], guest_path("hello"));
		expect_status(&p, 2);
		cr_assert_str_empty(p.out);
		ONE_LINE(&p, "--inject", specs[i][1]);
		proc_free(&p);
	}
}
