/* execve and execveat (docs/processes.md, "execve"): the same static
 * guest, exec_lab, runs natively and under memu over a directory with
 * the same files at the same path (made on the host, copied in with
 * --dir): every errno case, fork+exec+wait, execveat (of a memfd too,
 * and execve of it by /proc/self/fd/N), a "#!" script and posix_spawn
 * must print the same bytes, for musl and glibc guests. */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static char dir[64];

static void copy_file(const char *from, const char *to, mode_t mode)
{
	char *bytes = NULL;
	FILE *in = fopen(from, "rb");
	cr_assert(in, "%s", from);
	fseek(in, 0, SEEK_END);
	long n = ftell(in);
	rewind(in);
	bytes = malloc((size_t)n + 1);
	cr_assert_eq(fread(bytes, 1, (size_t)n, in), (size_t)n);
	fclose(in);
	int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert(fd >= 0, "%s", to);
	cr_assert_eq(write(fd, bytes, (size_t)n), n);
	close(fd);
	chmod(to, mode);
	free(bytes);
}

static void put(const char *name, const char *text, mode_t mode)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert(fd >= 0, "%s", path);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	chmod(path, mode);
}

/* The files exec_lab's cases need, child the program it runs. */
static void make_dir(const char *child)
{
	strcpy(dir, "/tmp/memu-exec-XXXXXX");
	cr_assert(mkdtemp(dir));
	char path[256], text[256];
	snprintf(path, sizeof(path), "%s/exec_child", dir);
	copy_file(guest_path(child), path, 0755);
	snprintf(path, sizeof(path), "%s/dyn", dir);
	copy_file(guest_path("exec_dyn"), path, 0755);
	snprintf(path, sizeof(path), "%s/dir", dir);
	cr_assert_eq(mkdir(path, 0755), 0);
	put("noexec", "hi\n", 0644);
	put("text", "hello\n", 0755);
	put("empty", "", 0755);
	put("badscript", "#!/nonexistent/sh\n", 0755);
	snprintf(text, sizeof(text), "#!%s/loop\n", dir);
	put("loop", text, 0755);
	snprintf(text, sizeof(text), "#!%s/exec_child  arg1 x \n", dir);
	put("script", text, 0755);
}

static void remove_dir(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

static void unlink_link(void)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/link", dir);
	unlink(path);
}

/* exec_lab's output natively and under memu: the same, exit status 7
 * (the exec_child that replaced pid 1).  With interp, a file is put at
 * the dynamically linked program's interpreter path in the guest only:
 * memu runs static programs only, so that exec is ENOEXEC there where
 * Linux would run the interpreter (docs/processes.md). */
static void run_lab(const char *lab, const char *child, bool interp)
{
	make_dir(child);
	int status;
	char *linux_out = strdup(native_stdout(lab, dir, &status));
	unlink_link();
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 7, "%#x\n%s",
		  status, linux_out);
	static const char *const must[] = {
		"missing: -1 errno 2\n",
		"directory: -1 errno 13\n",
		"no x bit: -1 errno 13\n",
		"not ELF: -1 errno 8\n",
		"file/x: -1 errno 20\n",
		"bad argv: -1 errno 14\n",
		"interpreter missing: -1 errno 2\n",
		"script of a script of ...: -1 errno 40\n",
		"a string of 131072: -1 errno 7\n",
		"2.8 MB in all: -1 errno 7\n",
		"fd 5: 0 errno 0; fd 6: -1 errno 9\n",
		"SIGUSR1 default, SIGUSR2 ignored, SIGINT blocked 1, "
		"altstack disabled 1\n",
		"same pid 1\n",
		"fork+exec: exited 1 status 7\n",
		"posix_spawn: exited 1 status 7\n",
		"comm script\n",
		"exe /memfd:prog (deleted)\n",
		"memfd by /proc/self/fd: exited 1 status 7\n",
	};
	for (size_t i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		cr_assert(strstr(linux_out, must[i]),
			  "the host is not the Linux this test expects: "
			  "no \"%s\" in\n%s",
			  must[i], linux_out);

	struct guest g;
	guest_open(&g, lab, dir, NULL);
	char spec[160], err[256] = "";
	snprintf(spec, sizeof(spec), "%s:%s", dir, dir);
	cr_assert_eq(memu_import(g.m, spec, true, err, sizeof(err)), 0, "%s",
		     err);
	if (interp) {
		snprintf(spec, sizeof(spec),
			 "%s/text:/nonexistent/ld-memu.so.2", dir);
		cr_assert_eq(memu_import(g.m, spec, false, err, sizeof(err)), 0,
			     "%s", err);
		const char *from = "interpreter missing: -1 errno 2\n";
		char *at = strstr(linux_out, from);
		cr_assert(at);
		memcpy(at, "interpreter missing: -1 errno 8\n", strlen(from));
	}
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT, "%s",
		     g.r.reason ? g.r.reason : "");
	cr_assert_eq(g.r.exit_status, 7);
	cr_assert_str_eq(guest_stdout(&g), linux_out);
	guest_close(&g);
	free(linux_out);
	remove_dir();
}

Test(exec, errnos_exec_fork_spawn_and_scripts_are_linux_s)
{
	run_lab("exec_lab", "exec_child", false);
}

Test(exec, the_same_with_glibc_s_posix_spawn_and_stdio)
{
	run_lab("exec_lab_glibc", "exec_child_glibc", false);
}

Test(exec, a_dynamic_program_whose_interpreter_is_there_is_enoexec)
{
	run_lab("exec_lab", "exec_child", true);
}

/* memu reads an exec'd file whole: one larger than RAM is ENOMEM, not a
 * host allocation of its size (Linux, reading only the header: ENOEXEC). */
Test(exec, a_file_larger_than_ram_is_enomem_not_a_host_allocation)
{
	make_dir("exec_child");
	int status;
	char arg[96];
	snprintf(arg, sizeof(arg), "%s sparse", dir);
	cr_assert_str_eq(native_stdout("exec_lab", arg, &status),
			 "sparse 1 GiB: -1 errno 8\n");
	cr_assert_eq(status, 0);
	struct guest g;
	guest_open(&g, "exec_lab", dir, "sparse", NULL);
	char spec[160], err[256] = "";
	snprintf(spec, sizeof(spec), "%s:%s", dir, dir);
	cr_assert_eq(memu_import(g.m, spec, true, err, sizeof(err)), 0, "%s",
		     err);
	guest_finish(&g);
	cr_assert_eq(g.r.stop, MEMU_STOP_EXIT);
	cr_assert_eq(g.r.exit_status, 0);
	cr_assert_str_eq(guest_stdout(&g), "sparse 1 GiB: -1 errno 12\n");
	guest_close(&g);
	remove_dir();
}
