/* For tests/cli_test.c's --file and --dir: print each path argument's
 * kind and contents (a file's bytes, a directory's sorted names, a
 * link's text and where it leads), or the errno; "+PATH" appends a line
 * to PATH first, to show the host never sees the guest's writes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void show(const char *path)
{
	struct stat st;
	if (lstat(path, &st)) {
		printf("%s: %s\n", path, strerror(errno));
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		char t[256] = {0};
		readlink(path, t, sizeof(t) - 1);
		printf("%s -> %s\n", path, t);
	}
	if (stat(path, &st)) {
		printf("%s: %s\n", path, strerror(errno));
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		char *names[64];
		int n = 0;
		struct dirent *e;
		while ((e = readdir(d)) && n < 64)
			if (e->d_name[0] != '.')
				names[n++] = strdup(e->d_name);
		closedir(d);
		qsort(names, (size_t)n, sizeof(names[0]), cmp);
		printf("%s/ %o:", path, st.st_mode & 07777);
		for (int i = 0; i < n; i++) {
			printf(" %s", names[i]);
			free(names[i]);
		}
		printf("\n");
		return;
	}
	char buf[256] = {0};
	int fd = open(path, O_RDONLY);
	read(fd, buf, sizeof(buf) - 1);
	close(fd);
	printf("%s %o %ld: %s", path, st.st_mode & 07777, (long)st.st_size,
	       buf);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] == '+') {
			int fd = open(argv[i] + 1, O_WRONLY | O_APPEND);
			write(fd, "guest\n", 6);
			close(fd);
			continue;
		}
		show(argv[i]);
	}
	return 0;
}
