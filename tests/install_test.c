/* The installed tree (docs/library.md, "Outside the tree"): `cmake
 * --install` into a fresh prefix, then a C program built against it the
 * way a user outside the tree builds one - `cc t.c $(pkg-config --cflags
 * --libs memu)` - and once against the static archive; each runs a guest
 * and prints what `memu run` prints.  Also: every option `memu --help`
 * names is in the man page. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

static char prefix[] = "/tmp/memu-install-XXXXXX";

/* Run a shell command line: its exit status; its stdout in out. */
static int sh(const char *cmd, char **out)
{
	FILE *p = popen(cmd, "r");
	cr_assert(p, "%s", cmd);
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n - 1, p)) > 0) {
		n += got;
		if (n + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	cr_assert(buf);
	buf[n] = '\0';
	int st = pclose(p);
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static char *cmdf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s;
	cr_assert(vasprintf(&s, fmt, ap) > 0);
	va_end(ap);
	return s;
}

static bool exists(const char *dir, const char *name)
{
	char *p = cmdf("%s/%s", dir, name);
	struct stat st;
	bool ok = !stat(p, &st);
	free(p);
	return ok;
}

static const char program[] =
	"#include <memu.h>\n"
	"#include <stdio.h>\n"
	"int main(int argc, char **argv)\n"
	"{\n"
	"	struct memu_config cfg;\n"
	"	memu_config_init(&cfg);\n"
	"	char err[256];\n"
	"	struct memu *m = memu_new(&cfg, err, sizeof err);\n"
	"	const char *av[] = {argv[1], argv[2], 0};\n"
	"	if (argc < 3 || !m || memu_load(m, av[0], 2, av, err, sizeof "
	"err)) {\n"
	"		fprintf(stderr, \"%s\\n\", err);\n"
	"		return 1;\n"
	"	}\n"
	"	struct memu_result r;\n"
	"	do\n"
	"		memu_run(m, &r);\n"
	"	while (r.stop == MEMU_STOP_PROBE);\n"
	"	printf(\"stop %d exit %d\\n\", (int)r.stop, r.exit_status);\n"
	"	memu_free(m);\n"
	"	return 0;\n"
	"}\n";

static void setup(void)
{
	cr_assert(mkdtemp(prefix));
}

static void teardown(void)
{
	char *c = cmdf("rm -rf '%s'", prefix);
	sh(c, NULL);
	free(c);
}

TestSuite(install, .init = setup, .fini = teardown);

Test(install, a_program_builds_against_the_installed_tree)
{
	char *c = cmdf("cmake --install '%s' --prefix '%s' >/dev/null 2>&1",
		       BUILD_DIR, prefix);
	cr_assert_eq(sh(c, NULL), 0, "%s", c);
	free(c);
	char *pc = NULL;
	c = cmdf("find '%s' -name memu.pc", prefix);
	cr_assert_eq(sh(c, &pc), 0);
	free(c);
	cr_assert(*pc, "no memu.pc under %s", prefix);
	*strchr(pc, '\n') = '\0';
	char *pcdir = strdup(pc);
	*strrchr(pcdir, '/') = '\0';
	char *libdir = strdup(pcdir);
	*strrchr(libdir, '/') = '\0';
	cr_assert(exists(prefix, "bin/memu"));
	cr_assert(exists(prefix, "include/memu.h"));
	cr_assert(exists(prefix, "include/memu_driver.h"));
	cr_assert(exists(prefix, "include/memu_policy.h"));
	cr_assert(exists(prefix, "share/man/man1/memu.1"));
	cr_assert(exists(libdir, "libmemu.so"));
	cr_assert(exists(libdir, "libmemu.a"));
	/* memu.pc names the prefix the install went to. */
	char *v = NULL;
	c = cmdf("PKG_CONFIG_PATH='%s' pkg-config --variable=prefix memu",
		 pcdir);
	cr_assert_eq(sh(c, &v), 0);
	free(c);
	char *want = cmdf("%s\n", prefix);
	cr_assert_str_eq(v, want);
	free(want);
	free(v);

	char *src = cmdf("%s/t.c", prefix);
	FILE *f = fopen(src, "w");
	cr_assert(f);
	fputs(program, f);
	cr_assert_eq(fclose(f), 0);
	/* The two-line build of docs/library.md: no -D, no -I of the
	 * source tree, nothing of the build tree. */
	c = cmdf("cd '%s' && PKG_CONFIG_PATH='%s' cc -std=c17 -Wall -Werror "
		 "t.c $(PKG_CONFIG_PATH='%s' pkg-config --cflags --libs memu) "
		 "-o shared.out 2>&1",
		 prefix, pcdir, pcdir);
	char *log = NULL;
	cr_assert_eq(sh(c, &log), 0, "%s\n%s", c, log);
	free(log);
	free(c);
	/* The static archive: memu and Unicorn in one; the other
	 * libraries from pkg-config --static. */
	c = cmdf("cd '%s' && cc -std=c17 t.c $(PKG_CONFIG_PATH='%s' pkg-config "
		 "--cflags memu) -o static.out '%s/libmemu.a' "
		 "$(PKG_CONFIG_PATH='%s' pkg-config --static --libs memu | "
		 "sed 's/-lmemu\\b//') 2>&1",
		 prefix, pcdir, libdir, pcdir);
	cr_assert_eq(sh(c, &log), 0, "%s\n%s", c, log);
	free(log);
	free(c);
	c = cmdf("readelf -d '%s/static.out' | grep -c 'libmemu' || true",
		 prefix);
	cr_assert_eq(sh(c, &log), 0);
	cr_assert_str_eq(log, "0\n", "static.out needs libmemu.so");
	free(log);
	free(c);
	c = cmdf("readelf -d '%s/shared.out' | grep -c 'NEEDED.*libmemu.so'",
		 prefix);
	cr_assert_eq(sh(c, &log), 0);
	cr_assert_str_eq(log, "1\n");
	free(log);
	free(c);

	/* Both run the guest as memu run does. */
	int st;
	const char *native = native_stdout("hello", "installed", &st);
	char *expect = cmdf("%sstop %d exit %d\n", native, MEMU_STOP_EXIT,
			    WEXITSTATUS(st));
	for (int i = 0; i < 2; i++) {
		c = cmdf("'%s/%s' '%s' installed 2>&1", prefix,
			 i ? "static.out" : "shared.out", guest_path("hello"));
		char *out = NULL;
		cr_assert_eq(sh(c, &out), 0, "%s", c);
		cr_assert_str_eq(out, expect, "%s\ngot [%s]\nwant [%s]", c, out,
				 expect);
		free(out);
		free(c);
	}
	free(expect);
	free(src);
	free(pc);
	free(pcdir);
	free(libdir);
}

/* Every --option of memu --help is in memu(1). */
Test(install, the_man_page_names_every_option)
{
	char *help = NULL;
	char *c = cmdf("'%s' --help", MEMU_BIN);
	cr_assert_eq(sh(c, &help), 0);
	free(c);
	FILE *f = fopen(MAN_PAGE, "r");
	cr_assert(f);
	char man[65536];
	size_t n = fread(man, 1, sizeof(man) - 1, f);
	man[n] = '\0';
	fclose(f);
	int found = 0;
	for (char *p = help; (p = strstr(p, "--")); p += 2) {
		char opt[64];
		size_t k = 0;
		const char *q = p + 2;
		while (k < sizeof(opt) - 1 &&
		       ((*q >= 'a' && *q <= 'z') || *q == '-'))
			opt[k++] = *q++;
		opt[k] = '\0';
		if (k < 2)
			continue;
		/* In troff a - is written \-. */
		char esc[160] = "\\-\\-";
		size_t e = 4;
		for (size_t i = 0; i < k; i++) {
			if (opt[i] == '-')
				esc[e++] = '\\';
			esc[e++] = opt[i];
		}
		esc[e] = '\0';
		cr_expect(strstr(man, esc), "memu(1) lacks --%s", opt);
		found++;
	}
	cr_assert_gt(found, 20);
	free(help);
}
