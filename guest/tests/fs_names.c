/* Names in the file system: open's flags, directories, links, rename,
 * getdents, stat, the working directory, long paths and loops.  It works
 * in a new directory under /dev/shm (tmpfs on Linux too) and removes it
 * at the end; one line a step.  tests/fs_test.c compares the output
 * natively and under memu, and with the argument "order" checks memu's
 * own getdents order (Linux 6.1's tmpfs: newest first).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE	 2
#endif

static char top[64];

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir with their types, sorted (Linux's order depends on
 * the kernel version), or in getdents order. */
static void list(const char *dir, int sorted)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	char buf[4096], *names[64];
	int n = 0;
	long r;
	while ((r = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < r;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			if (n < 64) {
				names[n] = malloc(300);
				snprintf(names[n++], 300, "%s/%d", d->d_name,
					 d->d_type);
			}
			off += d->d_reclen;
		}
	close(fd);
	if (sorted)
		qsort(names, (size_t)n, sizeof(names[0]), cmp);
	printf("ls %s:", dir);
	for (int i = 0; i < n; i++) {
		printf(" %s", names[i]);
		free(names[i]);
	}
	printf("\n");
}

static void show_stat(const char *label, const char *path, int follow)
{
	struct stat st;
	int r = follow ? stat(path, &st) : lstat(path, &st);
	if (r < 0) {
		printf("%s: %s\n", label, strerror(errno));
		return;
	}
	printf("%s: mode %o nlink %lu size %ld blocks %ld\n", label, st.st_mode,
	       (unsigned long)st.st_nlink, (long)st.st_size,
	       (long)st.st_blocks);
}

static void cwd(const char *label)
{
	char buf[512];
	if (!getcwd(buf, sizeof(buf))) {
		printf("%s: %s\n", label, strerror(errno));
		return;
	}
	size_t n = strlen(top);
	printf("%s: %s\n", label,
	       strncmp(buf, top, n) ? buf : (buf[n] ? buf + n : "(top)"));
}

static void order(void)
{
	/* Newest first, after "." and "..": Linux 6.1's dcache_readdir. */
	mkdir("/tmp/o", 0755);
	close(open("/tmp/o/first", O_CREAT | O_WRONLY, 0644));
	mkdir("/tmp/o/second", 0755);
	symlink("first", "/tmp/o/third");
	list("/tmp/o", 0);
	rename("/tmp/o/first", "/tmp/o/fourth");
	list("/tmp/o", 0);
	/* A directory read while its entries go: each is seen once. */
	int fd = open("/tmp/o", O_RDONLY | O_DIRECTORY);
	char buf[4096];
	long r = syscall(SYS_getdents64, fd, buf, 24 * 3);
	printf("first read: %ld\n", r);
	unlink("/tmp/o/fourth");
	unlink("/tmp/o/third");
	r = syscall(SYS_getdents64, fd, buf, sizeof(buf));
	for (long off = 0; off < r;) {
		struct dirent64 *d = (struct dirent64 *)(buf + off);
		printf("  %s off %lld\n", d->d_name, (long long)d->d_off);
		off += d->d_reclen;
	}
	close(fd);
	struct stat st;
	stat("/", &st);
	printf("root ino %lu dev %lx\n", (unsigned long)st.st_ino,
	       (unsigned long)st.st_dev);
	stat("/tmp/o/second", &st);
	printf("second ino %lu mtime %ld.%09ld\n", (unsigned long)st.st_ino,
	       (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "order")) {
		order();
		return 0;
	}
	strcpy(top, "/dev/shm/fs.XXXXXX");
	if (!mkdtemp(top) || chdir(top)) {
		perror("mkdtemp");
		return 1;
	}
	umask(022);
	cwd("cwd");

	/* open's flags */
	CHECK("open missing", open("f", O_RDONLY));
	int fd = open("f", O_CREAT | O_EXCL | O_RDWR, 0666);
	CHECK("create", fd >= 0);
	CHECK("create again excl", open("f", O_CREAT | O_EXCL | O_RDWR, 0666));
	CHECK("write", write(fd, "hello world", 11));
	CHECK("getfl", fcntl(fd, F_GETFL));
	CHECK("getfd", fcntl(fd, F_GETFD));
	close(fd);
	show_stat("stat f", "f", 1);
	fd = open("f", O_WRONLY | O_APPEND | O_CLOEXEC);
	CHECK("getfd cloexec", fcntl(fd, F_GETFD));
	CHECK("getfl append", fcntl(fd, F_GETFL));
	CHECK("lseek 0", lseek(fd, 0, SEEK_SET));
	CHECK("append", write(fd, "!", 1));
	int fd2 = dup(fd);
	CHECK("dup getfd", fcntl(fd2, F_GETFD));
	close(fd2);
	CHECK("read on O_WRONLY", read(fd, top + 60, 1));
	close(fd);
	fd = open("f", O_RDONLY);
	char buf[64] = {0};
	CHECK("read", read(fd, buf, sizeof(buf)));
	printf("  %s\n", buf);
	CHECK("write on O_RDONLY", write(fd, "x", 1));
	close(fd);
	fd = open("f", O_RDWR | O_TRUNC);
	show_stat("after O_TRUNC", "f", 1);
	close(fd);
	CHECK_FD("creat", creat("g", 0777));
	show_stat("stat g (umask 022)", "g", 1);
	umask(077);
	CHECK_FD("creat h", creat("h", 0777));
	show_stat("stat h (umask 077)", "h", 1);
	umask(022);
	CHECK("open dir for write", open(".", O_WRONLY));
	CHECK("open dir O_CREAT", open(".", O_CREAT | O_RDONLY, 0644));
	CHECK("O_DIRECTORY on a file", open("f", O_RDONLY | O_DIRECTORY));
	CHECK("through a file", open("f/x", O_RDONLY));
	CHECK("trailing slash on a file", open("f/", O_RDONLY));
	CHECK("create with trailing slash",
	      open("new/", O_CREAT | O_RDWR, 0644));
	CHECK_FD("bad access mode", open("f", 3));
	CHECK("empty path", open("", O_RDONLY));
	CHECK("O_CREAT|O_DIRECTORY", open("nd", O_CREAT | O_DIRECTORY, 0644));

	/* directories */
	CHECK("mkdir d", mkdir("d", 0777));
	CHECK("mkdir d again", mkdir("d", 0777));
	CHECK("mkdir d/e", mkdir("d/e", 0700));
	show_stat("stat d", "d", 1);
	CHECK("mkdir .", mkdir(".", 0777));
	CHECK("mkdir in missing", mkdir("nope/x", 0777));
	CHECK("rmdir d (not empty)", rmdir("d"));
	CHECK("rmdir d/e/.", rmdir("d/e/."));
	CHECK("rmdir d/e/..", rmdir("d/e/.."));
	CHECK("rmdir f", rmdir("f"));
	CHECK("unlink d", unlink("d"));
	CHECK("unlink d/", unlink("d/"));
	CHECK("unlink f/", unlink("f/"));
	CHECK("unlinkat bad flag", unlinkat(AT_FDCWD, "f", 0x1));
	CHECK("unlinkat removedir d/e",
	      unlinkat(AT_FDCWD, "d/e", AT_REMOVEDIR));
	show_stat("stat d after", "d", 1);
	CHECK("rmdir /", rmdir("/"));

	/* the working directory */
	CHECK("chdir d", chdir("d"));
	cwd("cwd d");
	CHECK("chdir ..", chdir(".."));
	cwd("cwd ..");
	CHECK("chdir f", chdir("f"));
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK("fchdir d", fchdir(dfd));
	cwd("cwd fchdir");
	CHECK_FD("openat dirfd", openat(dfd, "in-d", O_CREAT | O_WRONLY, 0600));
	CHECK("fchdir file", fchdir(3));
	CHECK("chdir back", chdir(top));
	CHECK("openat through a file fd",
	      openat(open("f", O_RDONLY), "x", O_RDONLY));
	CHECK("openat bad fd", openat(99, "x", O_RDONLY));
	CHECK("openat bad fd absolute", openat(99, "/dev/null", O_RDONLY) > 0);
	CHECK("mkdir gone", mkdir("gone", 0755));
	CHECK("chdir gone", chdir("gone"));
	CHECK("rmdir cwd", rmdir(top) < 0 ? -1 : 0);
	CHECK("rmdir ../gone", rmdir("../gone"));
	cwd("cwd removed");
	CHECK("create in removed", open("x", O_CREAT | O_RDWR, 0644));
	CHECK("chdir top", chdir(top));
	long dots = syscall(SYS_getcwd, buf, 1);
	printf("getcwd small: %s\n", dots < 0 ? strerror(errno) : "ok");

	/* symbolic links */
	CHECK("symlink", symlink("f", "lf"));
	CHECK("symlink exists", symlink("f", "lf"));
	CHECK("symlink empty", symlink("", "le"));
	show_stat("stat lf", "lf", 1);
	show_stat("lstat lf", "lf", 0);
	char lbuf[64] = {0};
	CHECK("readlink lf", readlink("lf", lbuf, sizeof(lbuf)));
	printf("  %s\n", lbuf);
	CHECK("readlink short", readlink("lf", lbuf, 0));
	CHECK("readlink f", readlink("f", lbuf, sizeof(lbuf)));
	CHECK("symlink loop a", symlink("b", "a"));
	CHECK("symlink loop b", symlink("a", "b"));
	CHECK("open loop", open("a", O_RDONLY));
	CHECK("dangling", symlink("missing", "dl"));
	CHECK("open dangling", open("dl", O_RDONLY));
	CHECK("O_NOFOLLOW", open("lf", O_RDONLY | O_NOFOLLOW));
	CHECK("dangling to create", symlink("made", "dl2"));
	CHECK_FD("O_CREAT through it", open("dl2", O_CREAT | O_RDWR, 0644));
	show_stat("made", "made", 0);
	CHECK("O_CREAT|O_EXCL on it", open("dl2", O_CREAT | O_EXCL, 0644));
	CHECK("unlink made", unlink("made"));
	CHECK("unlink dl2", unlink("dl2"));
	CHECK("symlink to dir", symlink("d", "ld"));
	CHECK("open ld/in-d", open("ld/in-d", O_RDONLY) >= 0);
	CHECK("unlink ld/", unlink("ld/"));
	/* 40 links in a walk are allowed, 41 are a loop */
	char name[16], to[16];
	for (int i = 1; i <= 41; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		snprintf(to, sizeof(to), i == 1 ? "f" : "c%d", i - 1);
		symlink(to, name);
	}
	CHECK("chain of 40", open("c40", O_RDONLY) >= 0);
	CHECK("chain of 41", open("c41", O_RDONLY));
	struct stat st, st2;
	stat("/", &st);
	stat("/../..", &st2);
	printf("/../.. is /: %d\n", st.st_ino == st2.st_ino);

	/* hard links */
	CHECK("link", link("f", "f2"));
	show_stat("stat f2", "f2", 1);
	CHECK("link exists", link("f", "f2"));
	CHECK("link dir", link("d", "d2"));
	CHECK("link missing", link("zz", "zz2"));
	CHECK("unlink f2", unlink("f2"));
	show_stat("stat f", "f", 1);
	CHECK("linkat follow",
	      linkat(AT_FDCWD, "lf", AT_FDCWD, "f3", AT_SYMLINK_FOLLOW));
	show_stat("lstat f3", "f3", 0);
	CHECK("linkat bad flag", linkat(AT_FDCWD, "lf", AT_FDCWD, "f4", 8));

	/* rename */
	CHECK("rename f3 f4", rename("f3", "f4"));
	CHECK("rename over", rename("f4", "g"));
	CHECK("rename missing", rename("f4", "g"));
	CHECK("rename file over dir", rename("g", "d"));
	CHECK("mkdir d3", mkdir("d3", 0755));
	CHECK("rename dir over file", rename("d3", "g"));
	CHECK("rename dir over non-empty", rename("d3", "d"));
	CHECK("mkdir d3/sub", mkdir("d3/sub", 0755));
	CHECK("rename into itself", rename("d3", "d3/sub/x"));
	CHECK("rename dir over empty dir", rename("d", "d3/sub"));
	show_stat("stat d3", "d3", 1);
	CHECK("rename .", rename(".", "zz"));
	CHECK("rename to ..", rename("g", ".."));
	CHECK("noreplace", syscall(SYS_renameat2, AT_FDCWD, "g", AT_FDCWD, "h",
				   RENAME_NOREPLACE));
	CHECK("exchange", syscall(SYS_renameat2, AT_FDCWD, "g", AT_FDCWD, "d3",
				  RENAME_EXCHANGE));
	show_stat("g is now", "g", 1);
	show_stat("d3 is now", "d3", 1);
	CHECK("exchange back", syscall(SYS_renameat2, AT_FDCWD, "g", AT_FDCWD,
				       "d3", RENAME_EXCHANGE));
	CHECK("exchange missing", syscall(SYS_renameat2, AT_FDCWD, "g",
					  AT_FDCWD, "zz", RENAME_EXCHANGE));
	CHECK("both flags",
	      syscall(SYS_renameat2, AT_FDCWD, "g", AT_FDCWD, "h", 3));
	CHECK("rename trailing slash file", rename("g/", "g2"));
	CHECK("rename f same", rename("f", "f"));

	/* long names */
	char longname[300];
	memset(longname, 'n', 255);
	longname[255] = '\0';
	CHECK("255-byte name", open(longname, O_CREAT | O_RDWR, 0644) >= 0);
	CHECK("unlink it", unlink(longname));
	memset(longname, 'n', 256);
	longname[256] = '\0';
	CHECK("256-byte name", open(longname, O_CREAT | O_RDWR, 0644));
	char *longpath = malloc(5000);
	memset(longpath, '/', 4200);
	longpath[4200] = '\0';
	CHECK("path of 4200", open(longpath, O_RDONLY));
	longpath[4095] = '\0';
	CHECK("path of 4095", open(longpath, O_RDONLY) >= 0);
	free(longpath);
	CHECK("dotdot above root", open("/../../../dev/null", O_RDONLY) >= 0);

	/* access and stat */
	CHECK("access f R_OK|W_OK", access("f", R_OK | W_OK));
	CHECK("access f X_OK", access("f", X_OK));
	CHECK("access g X_OK", access("d3", X_OK));
	CHECK("access bad mode", access("f", 8));
	CHECK("faccessat2 bad flag",
	      syscall(SYS_faccessat2, AT_FDCWD, "f", R_OK, 0x1));
	CHECK("fstatat empty", fstatat(AT_FDCWD, "", &st, 0));
	CHECK("fstatat bad flag", fstatat(AT_FDCWD, "f", &st, 0x1));
	CHECK("chmod", chmod("f", 0600));
	show_stat("stat f 0600", "f", 1);

	/* owners and times (the guest is root) */
	CHECK("chown", chown("f", 1000, 100));
	CHECK("lchown keeps gid", lchown("lf", 7, (gid_t)-1));
	struct stat so;
	stat("f", &so);
	printf("owner %u:%u\n", so.st_uid, so.st_gid);
	lstat("lf", &so);
	printf("link owner %u:%u\n", so.st_uid, so.st_gid);
	struct timespec ts[2] = {{1000000000, 5}, {1100000000, 7}};
	CHECK("utimensat", utimensat(AT_FDCWD, "f", ts, 0));
	stat("f", &so);
	printf("times %ld.%09ld %ld.%09ld\n", (long)so.st_atim.tv_sec,
	       so.st_atim.tv_nsec, (long)so.st_mtim.tv_sec, so.st_mtim.tv_nsec);
	ts[0].tv_nsec = UTIME_OMIT;
	ts[1].tv_sec = 1200000000;
	CHECK("utimensat omit", utimensat(AT_FDCWD, "f", ts, 0));
	stat("f", &so);
	printf("times %ld.%09ld %ld.%09ld\n", (long)so.st_atim.tv_sec,
	       so.st_atim.tv_nsec, (long)so.st_mtim.tv_sec, so.st_mtim.tv_nsec);
	ts[1].tv_nsec = 1000000000;
	CHECK("utimensat bad nsec", utimensat(AT_FDCWD, "f", ts, 0));
	CHECK("utimensat bad flag", utimensat(AT_FDCWD, "f", NULL, 0x1));
	CHECK("utimensat missing", utimensat(AT_FDCWD, "zz", NULL, 0));

	/* the listing, then everything removed */
	list(".", 1);
	list("d3", 1);
	const char *files[] = {"f", "g",  "h",	"lf",	      "a",
			       "b", "dl", "ld", "d3/sub/in-d"};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		unlink(files[i]);
	for (int i = 1; i <= 41; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		unlink(name);
	}
	rmdir("d3/sub");
	rmdir("d3");
	list(".", 1);
	chdir("/");
	CHECK("rmdir top", rmdir(top));
	return 0;
}
