/* /dev/zero: reads give zeros, writes vanish, lseek stays at 0; a private
 * mapping is anonymous memory (zero frame, then copy-on-write), a shared
 * one is a shared object that a second mapping of it (mremap with
 * old_len 0) sees.  Probes: private mapping, shared mapping, alias. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "memu_guest.h"

#define LEN (2 * 4096)

int main(void)
{
	int fd = open("/dev/zero", O_RDWR);
	if (fd < 0)
		return 1;
	char buf[16];
	memset(buf, 'x', sizeof(buf));
	long r = read(fd, buf, sizeof(buf));
	int zeros = 0;
	for (int i = 0; i < 16; i++)
		zeros += buf[i] == 0;
	long w = write(fd, "abc", 3);
	long pos = lseek(fd, 100, SEEK_SET);
	printf("read %ld zeros %d write %ld lseek %ld\n", r, zeros, w, pos);
	struct stat st;
	int ws;
	if (fstat(fd, &st) || ioctl(fd, TIOCGWINSZ, &ws) != -1)
		return 4;
	printf("fstat chr %d %u:%u mode %o, ioctl errno %d\n",
	       S_ISCHR(st.st_mode), major(st.st_rdev), minor(st.st_rdev),
	       st.st_mode & 0777, errno);

	volatile char *priv =
		mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	int sum = priv[0] + priv[4096]; /* zero frame */
	priv[0] = 1;			/* copy-on-write */
	memu_probe((long)priv);

	char *shared =
		mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	strcpy(shared, "shared through /dev/zero");
	char *alias = mremap(shared, 0, LEN, MREMAP_MAYMOVE);
	memu_probe((long)shared);
	memu_probe((long)alias);
	printf("private sum %d, alias reads: %s\n", sum, alias);
	return 0;
}
