/* A privileged instruction at CPL 3: the guest gets SIGSEGV (the #GP the
 * CPU raises), like on Linux.  `privileged hlt|cli|cr3` */
#include <string.h>

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	if (!strcmp(argv[1], "hlt"))
		__asm__ volatile("hlt");
	else if (!strcmp(argv[1], "cli"))
		__asm__ volatile("cli");
	else if (!strcmp(argv[1], "cr3")) {
		unsigned long v;
		__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	}
	return 0;
}
