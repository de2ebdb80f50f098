/* The maps line of a VMA, which /proc/self/smaps shows too. */
#ifndef MEMU_DEVICES_PROC_MAPS_H
#define MEMU_DEVICES_PROC_MAPS_H

#include "proc_text.h"

/* Linux's show_map_vma: one line, newline included. */
void show_map_vma(struct proc_text *t, const struct vma *v);

/* The vsyscall page memu emulates (Linux's gate VMA, shown last). */
extern const struct vma vsyscall_gate;

#endif
