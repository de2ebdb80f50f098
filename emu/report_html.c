/* `memu run --report FILE.html` (docs/report.md): one self-contained HTML
 * page about the run - the address space with its VMAs and which pages
 * are present, the physical frames by kind, the page-table tree, and a
 * timeline of faults, COW copies and TLB flushes.  No network, no
 * external file: the style and the script are inline, and the script
 * draws the frame map and the timeline from numbers written here.
 *
 * The timeline's clock is the event point's own count (every event,
 * docs/trace.md's "seq"), which depends on nothing but the run: the same
 * run writes the same bytes.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../devices/fs.h"
#include "../mmu/pagetable.h"
#include "../mmu/vma.h"
#include "machine.h"

/* Events the timeline keeps; later ones are counted, not drawn. */
#define REPORT_EVENTS_MAX 65536
/* Cells of a VMA's bar of pages: one page each, or as many as share. */
#define BAR_CELLS 128

/* The timeline's rows: the fault kinds, then TLB flushes. */
#define ROW_TLB_FLUSH FAULT_KINDS

void report_event(struct memu *m, const struct event *e)
{
	struct html_report *r = &m->report;
	if (e->kind == EV_TLB_FILL)
		return; /* as many as QEMU's TLB size says: not the run's */
	uint64_t seq = r->seq++;
	unsigned row;
	if (e->kind == EV_FAULT && e->b < FAULT_KINDS)
		row = (unsigned)e->b;
	else if (e->kind == EV_TLB_FLUSH)
		row = ROW_TLB_FLUSH;
	else
		return;
	r->rows[row]++;
	if (r->n == REPORT_EVENTS_MAX) {
		r->dropped++;
		return;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 1024;
		struct report_mark *p = realloc(r->marks, cap * sizeof(*p));
		if (!p) {
			r->dropped++;
			return;
		}
		r->marks = p;
		r->cap = cap;
	}
	r->marks[r->n++] = (struct report_mark){seq, (uint8_t)row};
}

void memu_report_begin(struct memu *m)
{
	m->report.on = true;
}

void report_free(struct memu *m)
{
	free(m->report.marks);
	m->report.marks = NULL;
}

/* ---- writing */

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static const char style[] =
	"body{font:14px/1.4 sans-serif;margin:1.5em;color:#222}"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}"
	"table{border-collapse:collapse}td,th{padding:2px 8px;"
	"text-align:left;border-bottom:1px solid #ddd}"
	"td.n{text-align:right;font-variant-numeric:tabular-nums}"
	"code,pre{font:12px monospace}pre{background:#f6f6f6;padding:6px;"
	"max-height:30em;overflow:auto}"
	".bar{display:flex;width:384px;height:12px;border:1px solid #999}"
	".bar span{flex:1}.p{background:#2a7}.h{background:#9d9}"
	".s{background:#c70}.e{background:#eee}"
	"#legend li,#rows li{display:inline-block;margin-right:1.2em}"
	"#framemap{width:1024px;image-rendering:pixelated;"
	"border:1px solid #999}"
	".key{display:inline-block;width:10px;height:10px;margin-right:4px}";

/* A VMA's pages: how many have an entry with a frame (present or
 * PROT_NONE), how many are on swap; and the bar's cells. */
struct vma_pages {
	uint64_t start, pages, present, swapped;
	uint32_t cell_present[BAR_CELLS], cell_swapped[BAR_CELLS];
	unsigned cells;
};

static void count_page(struct mm *mm, uint64_t va, pte_t pte, void *arg)
{
	(void)mm;
	struct vma_pages *p = arg;
	struct pt_entry e;
	pte_decode(pte, &e);
	uint64_t i = (va - p->start) >> PAGE_SHIFT;
	unsigned cell = (unsigned)(i * p->cells / p->pages);
	if (e.has_frame) {
		p->present++;
		p->cell_present[cell]++;
	} else if (e.swapped) {
		p->swapped++;
		p->cell_swapped[cell]++;
	}
}

static void write_vmas(FILE *f, struct mm *mm)
{
	fputs("<h2>Address space</h2>\n<table id=\"vmas\"><tr><th>VMA</th>"
	      "<th>perms</th><th>name</th><th>pages</th><th>present</th>"
	      "<th>swapped</th><th>pages (green: present, orange: on swap)"
	      "</th></tr>\n",
	      f);
	for (struct vma *v = vma_first(&mm->vmas); v;
	     v = vma_next(&mm->vmas, v)) {
		struct vma_pages p = {0};
		p.start = v->start;
		p.pages = (v->end - v->start) >> PAGE_SHIFT;
		p.cells = p.pages < BAR_CELLS ? (unsigned)p.pages : BAR_CELLS;
		pt_for_each(mm, v->start, v->end, count_page, &p);
		const char *name = v->name;
		char path[FS_PATH_MAX + 16];
		const struct file *file = v->vm_file;
		if (file && file->inode &&
		    file_path(file, path, sizeof(path)) >= 0)
			name = path;
		fprintf(f,
			"<tr><td><code>%012" PRIx64 "-%012" PRIx64
			"</code></td><td><code>%c%c%c%c</code></td><td>",
			v->start, v->end, (v->flags & VM_READ) ? 'r' : '-',
			(v->flags & VM_WRITE) ? 'w' : '-',
			(v->flags & VM_EXEC) ? 'x' : '-',
			(v->flags & VM_MAYSHARE) ? 's' : 'p');
		put_escaped(f, name ? name : "");
		fprintf(f,
			"</td><td class=\"n\">%" PRIu64
			"</td><td class=\"n\">%" PRIu64
			"</td><td class=\"n\">%" PRIu64
			"</td><td><div class=\"bar\">",
			p.pages, p.present, p.swapped);
		for (unsigned c = 0; c < p.cells; c++) {
			uint64_t lo = c * p.pages / p.cells;
			uint64_t hi = (c + 1) * p.pages / p.cells;
			uint64_t span = hi - lo;
			const char *cls = p.cell_swapped[c]	      ? "s"
					  : p.cell_present[c] == span ? "p"
					  : p.cell_present[c]	      ? "h"
								      : "e";
			fprintf(f, "<span class=\"%s\"></span>", cls);
		}
		fputs("</div></td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void write_frames(FILE *f, struct memu *m)
{
	const struct events *ev = &m->mmu.events;
	fputs("<h2>Physical frames</h2>\n<table id=\"frames\"><tr><th>kind"
	      "</th><th>in use</th><th>peak</th><th>allocated</th></tr>\n",
	      f);
	for (unsigned k = 1; k < FRAME_KINDS; k++)
		fprintf(f,
			"<tr><td>%s</td><td class=\"n\">%" PRIu64
			"</td><td class=\"n\">%" PRIu64
			"</td><td class=\"n\">%" PRIu64 "</td></tr>\n",
			frame_kind_name(k), ev->frames_now[k],
			ev->frames_peak[k], ev->frames_alloc[k]);
	fputs("</table>\n<p>RAM frame by frame, as the script draws it "
	      "(one square each, 512 a row, frame 0 top left):</p>\n"
	      "<canvas id=\"framemap\" width=\"512\" height=\"1\"></canvas>\n"
	      "<ul id=\"legend\"></ul>\n",
	      f);
}

static void write_tree(FILE *f, struct mm *mm)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem)
		return;
	pagetable_vmprint(mm, mem);
	fclose(mem);
	unsigned lines = 0;
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	fprintf(f,
		"<h2>Page tables</h2>\n<details id=\"tree\" open><summary>%u "
		"lines, in xv6's vmprint format (docs/cli.md)</summary><pre>",
		lines);
	put_escaped(f, text);
	fputs("</pre></details>\n", f);
	free(text);
}

/* The numbers the script draws from: RAM as runs of frame kinds, and
 * the timeline's marks.  Numbers and fixed names only. */
static void write_data(FILE *f, struct memu *m)
{
	fputs("<script>\nconst kinds=[", f);
	for (unsigned k = 0; k < FRAME_KINDS; k++)
		fprintf(f, "%s\"%s\"", k ? "," : "", frame_kind_name(k));
	fputs("];\nconst ram=[", f);
	/* Frame 0 to the end of RAM (the page-table bank, far above, is
	 * the table's "page table" row). */
	const struct zone *z = &m->mmu.ram;
	uint64_t end = z->base_pfn + z->nr;
	int kind = -1;
	uint64_t run = 0;
	bool first = true;
	for (uint64_t pfn = 0; pfn <= end; pfn++) {
		int k = -2; /* past the end: flush the last run */
		if (pfn < end) {
			const struct frame *fr = mmu_frame(&m->mmu, pfn);
			k = fr ? fr->kind : FRAME_RESERVED;
		}
		if (k == kind) {
			run++;
			continue;
		}
		if (run) {
			fprintf(f, "%s%d,%" PRIu64, first ? "" : ",", kind,
				run);
			first = false;
		}
		kind = k;
		run = 1;
	}
	fputs("];\nconst rows=[", f);
	for (unsigned k = 0; k < FAULT_KINDS; k++)
		fprintf(f, "\"%s\",", fault_kind_name(k));
	fputs("\"TLB flush\"];\nconst counts=[", f);
	const struct html_report *r = &m->report;
	for (unsigned k = 0; k <= ROW_TLB_FLUSH; k++)
		fprintf(f, "%s%" PRIu64, k ? "," : "", r->rows[k]);
	fprintf(f, "];\nconst events=%" PRIu64 ",dropped=%" PRIu64 ";\n",
		r->seq, r->dropped);
	fputs("const marks=[", f);
	for (size_t i = 0; i < r->n; i++)
		fprintf(f, "%s%" PRIu64 ",%u", i ? "," : "", r->marks[i].seq,
			r->marks[i].row);
	fputs("];\n</script>\n", f);
}

/* Draws the frame map and the timeline; marks the page rendered. */
static const char script[] =
	"<script>\n"
	"const colour=['#eee','#888','#456','#ccc','#48c','#2a7','#c4c',"
	"'#e90','#c33','#7ad'];\n"
	"const rowColour=['#2a7','#ccc','#c33','#e90','#48c','#a5c','#7ad',"
	"'#d7a','#963','#5aa','#000','#c70','#456'];\n"
	"function frameMap(){\n"
	" const c=document.getElementById('framemap');let n=0;\n"
	" for(let i=1;i<ram.length;i+=2)n+=ram[i];\n"
	" c.height=Math.ceil(n/c.width);const g=c.getContext('2d');\n"
	" const total=new Array(kinds.length).fill(0);let at=0;\n"
	" for(let i=0;i<ram.length;i+=2){const k=ram[i],len=ram[i+1];\n"
	"  total[k]+=len;g.fillStyle=colour[k];\n"
	"  for(let j=0;j<len;j++,at++)g.fillRect(at%c.width,"
	"Math.floor(at/c.width),1,1);}\n"
	" const ul=document.getElementById('legend');\n"
	" kinds.forEach((name,k)=>{if(!total[k])return;"
	"const li=document.createElement('li');"
	"li.innerHTML='<span class=\"key\" style=\"background:'+colour[k]+"
	"'\"></span>';li.append(name+': '+total[k]);ul.append(li);});}\n"
	"function timeline(){\n"
	" const ns='http://www.w3.org/2000/svg',w=900,h=16;\n"
	" const used=rows.map((r,k)=>k).filter(k=>counts[k]);\n"
	" const svg=document.getElementById('timeline');\n"
	" svg.setAttribute('width',w+150);"
	"svg.setAttribute('height',Math.max(1,used.length)*h+4);\n"
	" used.forEach((k,y)=>{const t=document.createElementNS(ns,'text');\n"
	"  t.setAttribute('x',0);t.setAttribute('y',y*h+12);"
	"t.setAttribute('font-size',11);\n"
	"  t.textContent=rows[k];svg.append(t);});\n"
	" for(let i=0;i<marks.length;i+=2){const y=used.indexOf(marks[i+1]);\n"
	"  const r=document.createElementNS(ns,'rect');\n"
	"  r.setAttribute('x',150+Math.floor(marks[i]*w/Math.max(1,events)));\n"
	"  r.setAttribute('y',y*h+2);r.setAttribute('width',1);"
	"r.setAttribute('height',h-4);\n"
	"  r.setAttribute('fill',rowColour[marks[i+1]]);svg.append(r);}\n"
	" const ul=document.getElementById('rows');\n"
	" used.forEach(k=>{const li=document.createElement('li');"
	"li.textContent=rows[k]+': '+counts[k];ul.append(li);});\n"
	" document.getElementById('events').textContent=events+' events'+"
	"(dropped?', '+dropped+' not drawn':'');}\n"
	"frameMap();timeline();\n"
	"document.body.setAttribute('data-rendered','yes');\n"
	"</script>\n";

int memu_write_report(struct memu *m, const struct memu_result *res, FILE *f)
{
	struct mm *mm = m->proc->mm;
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	      "charset=\"utf-8\">"
	      "<title>memu report: ",
	      f);
	put_escaped(f, m->proc->exe ? m->proc->exe : "");
	fprintf(f, "</title>\n<style>%s</style>\n</head><body>\n", style);
	fputs("<h1>memu report: <code>", f);
	put_escaped(f, m->proc->exe ? m->proc->exe : "");
	fputs("</code></h1>\n<p id=\"end\">", f);
	char *death = NULL;
	size_t dlen = 0;
	FILE *mem = open_memstream(&death, &dlen);
	if (mem) {
		memu_print_death(m, res, mem);
		fclose(mem);
	}
	fprintf(f, "exit status %d", memu_exit_code(res));
	if (death && *death) {
		fputs(": ", f);
		put_escaped(f, death);
	}
	free(death);
	fputs("</p>\n", f);
	write_vmas(f, mm);
	write_frames(f, m);
	write_tree(f, mm);
	fputs("<h2>Timeline</h2>\n<p>Faults, COW copies and TLB flushes by "
	      "event number (every event the machine reported counts one): "
	      "<span id=\"events\"></span></p>\n<ul id=\"rows\"></ul>\n"
	      "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\">"
	      "</svg>\n",
	      f);
	write_data(f, m);
	fputs(script, f);
	fputs("</body></html>\n", f);
	return ferror(f) ? -EIO : 0;
}
