#include "pgprot.h"

#include "pagetable.h"
#include "wprotect.h"

unsigned vm_page_prot(struct mm *mm, const struct vma *v, uint64_t pfn,
		      bool writable, unsigned extra)
{
	unsigned ptf = PTF_USER | extra;
	if (writable && (v->flags & VM_WRITE) &&
	    !frame_write_protected(mm->mmu, pfn))
		ptf |= PTF_WRITE;
	if (v->flags & VM_EXEC)
		ptf |= PTF_EXEC;
	return ptf;
}
