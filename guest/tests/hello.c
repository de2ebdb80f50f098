/* The smallest libc guest: prints its arguments and exits with 3. */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("hello:");
	for (int i = 1; i < argc; i++)
		printf(" %s", argv[i]);
	printf("\n");
	return 3;
}
