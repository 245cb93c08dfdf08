/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * kern_monitor.c - the kernel monitor, the seed of ddb.
 *
 * A line-oriented prompt on the console.  Commands come from the linker
 * set kmonitor_cmds (KMONITOR_COMMAND in sys/sys/kmonitor.h); this file
 * adds help, cpus, ps, selftest, bench, uptime and halt.  Normally the
 * monitor runs in a kernel thread and polls the console once a tick;
 * after a panic it runs polled in the panicking context (no scheduler).
 *
 * "ps" and "cpus" must read other cpus' private data, so they ask each
 * cpu for a snapshot with an IPI message and wait for it: a cpu's
 * scheduler state is only ever read by that cpu.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/errno.h>
#include <sys/thread.h>
#include <sys/thread2.h>
#include <sys/globaldata.h>
#include <sys/malloc.h>
#include <sys/kmonitor.h>
#include <sys/ktest.h>
#include <sys/cpu_md.h>
#include <vm/vm_page.h>
#include <cpu/cpufunc.h>

MALLOC_DEFINE(M_KMONITOR, "kmonitor", "kernel monitor");

#define KMON_LINE_BYTES		256
#define KMON_MAX_ARGS		16
#define KMON_PS_MAX		512	/* threads listed per cpu */
#define KMON_TOKNAMES_BYTES	64
#define CH_BACKSPACE		0x08
#define CH_DELETE		0x7f
#define CON_EOF			(-2)
#define NS_PER_SEC		1000000000ULL

SET_DECLARE(kmonitor_cmds, struct kmonitor_cmd);
SET_DECLARE(kbench_set, struct kbench);

/* Read a character; -2 at end of input.  Polls once a tick. */
static int
kmonitor_getc(bool polled)
{
	int c;

	while ((c = platform_console_getc()) == -1) {
		if (polled)
			cpu_pause();
		else
			tsleep(&c, 0, "conin", 1);
	}
	return (c);
}

/* Returns the line length, or -1 at end of input. */
static int
kmonitor_readline(char *buf, size_t size, bool polled)
{
	size_t len = 0;
	int c;

	for (;;) {
		c = kmonitor_getc(polled);
		if (c == CON_EOF)
			return (len > 0 ? (int)len : -1);
		if (c == '\r' || c == '\n') {
			kprintf("\n");
			buf[len] = '\0';
			return ((int)len);
		}
		if (c == CH_BACKSPACE || c == CH_DELETE) {
			if (len > 0) {
				len--;
				kprintf("\b \b");
			}
			continue;
		}
		if (c < ' ' || len + 1 >= size)
			continue;
		buf[len++] = (char)c;
		kprintf("%c", c);
	}
}

static int
kmonitor_split(char *line, char **argv)
{
	int argc = 0;

	while (*line != '\0' && argc < KMON_MAX_ARGS) {
		while (*line == ' ' || *line == '\t')
			*line++ = '\0';
		if (*line == '\0')
			break;
		argv[argc++] = line;
		while (*line != '\0' && *line != ' ' && *line != '\t')
			line++;
	}
	return (argc);
}

/* Run one command line; returns the command's errno or ENOENT. */
int
kmonitor_exec(char *line)
{
	struct kmonitor_cmd **cmdp;
	char *argv[KMON_MAX_ARGS + 1];
	int argc, error;

	argc = kmonitor_split(line, argv);
	if (argc == 0)
		return (0);
	argv[argc] = NULL;
	SET_FOREACH(cmdp, kmonitor_cmds) {
		if (strcmp((*cmdp)->kc_name, argv[0]) == 0) {
			error = (*cmdp)->kc_func(argc, argv);
			if (error != 0)
				kprintf("%s: error %d\n", argv[0], error);
			return (error);
		}
	}
	kprintf("%s: unknown command (try \"help\")\n", argv[0]);
	return (ENOENT);
}

static void __dead2
kmonitor_loop(bool polled)
{
	char line[KMON_LINE_BYTES];

	for (;;) {
		kprintf("anax> ");
		if (kmonitor_readline(line, sizeof(line), polled) < 0) {
			kprintf("\nkmonitor: end of console input, halting\n");
			platform_halt(polled ? PANIC_EXIT_STATUS : 0);
		}
		kmonitor_exec(line);
	}
}

void
kmonitor_run(void)
{
	kprintf("kmonitor: type \"help\" for commands\n");
	kmonitor_loop(false);
}

void
kmonitor_panic(void)
{
	kprintf("kmonitor: entered after panic (\"halt\" to stop)\n");
	kmonitor_loop(true);
}

static int
cmd_help(int argc __unused, char **argv __unused)
{
	struct kmonitor_cmd **cmdp;

	SET_FOREACH(cmdp, kmonitor_cmds)
		kprintf("  %-12s %s\n", (*cmdp)->kc_name, (*cmdp)->kc_help);
	return (0);
}
KMONITOR_COMMAND(help, "list the commands", cmd_help);

static int
cmd_halt(int argc, char **argv)
{
	int status = argc > 1 ? (int)strtoul(argv[1], NULL, 0) : 0;

	kprintf("kmonitor: halting (status %d)\n", status);
	platform_halt(status);
}
KMONITOR_COMMAND(halt, "power off (halt [status])", cmd_halt);

static int
cmd_uptime(int argc __unused, char **argv __unused)
{
	uint64_t ns = nanouptime_ns();

	kprintf("up %ju.%03ju s, %d ticks at %d hz\n",
	    (uintmax_t)(ns / NS_PER_SEC),
	    (uintmax_t)(ns % NS_PER_SEC / 1000000), ticks, hz);
	return (0);
}
KMONITOR_COMMAND(uptime, "time since boot", cmd_uptime);

/*
 * Snapshots of a cpu's threads, taken on that cpu by IPI message.
 */
struct ps_entry {
	struct thread	*pe_td;
	int		pe_pri;
	u_int		pe_flags;
	const char	*pe_wmesg;
	char		pe_toks[KMON_TOKNAMES_BYTES];
	char		pe_comm[MAXCOMLEN + 1];
	uint64_t	pe_switches;
};

struct ps_snapshot {
	int			ps_count;
	int			ps_runq;
	struct gd_counters	ps_cnt;
	struct ps_entry		ps_ent[KMON_PS_MAX];
};

static void
ps_entry_fill(struct ps_entry *pe, struct thread *td)
{
	size_t off = 0;

	pe->pe_td = td;
	pe->pe_pri = td->td_pri;
	pe->pe_flags = td->td_flags;
	pe->pe_wmesg = td->td_wmesg;
	pe->pe_switches = td->td_switches;
	memcpy(pe->pe_comm, td->td_comm, sizeof(pe->pe_comm));
	pe->pe_toks[0] = '\0';
	for (struct lwkt_tokref *ref = td->td_toks_array;
	    ref < td->td_toks_stop && off < sizeof(pe->pe_toks); ref++) {
		off += ksnprintf(pe->pe_toks + off, sizeof(pe->pe_toks) - off,
		    "%s%s", off ? "," : "", ref->tr_tok->t_desc);
	}
	if (pe->pe_toks[0] == '\0')
		memcpy(pe->pe_toks, "-", 2);
}

static void
ps_collect(void *arg, int unused __unused, struct intrframe *frame __unused)
{
	struct ps_snapshot *ps = arg;
	struct globaldata *gd = mycpu;
	struct thread *td;

	ps->ps_count = 0;
	ps->ps_runq = gd->gd_tdrunqcount;
	ps->ps_cnt = gd->gd_cnt;
	TAILQ_FOREACH(td, &gd->gd_tdallq, td_allq) {
		if (ps->ps_count == KMON_PS_MAX)
			break;
		ps_entry_fill(&ps->ps_ent[ps->ps_count++], td);
	}
}

static void
ps_take(int cpu, struct ps_snapshot *ps)
{
	struct globaldata *gd = globaldata_find(cpu);

	lwkt_wait_ipiq(gd, lwkt_send_ipiq3(gd, ps_collect, ps, 0));
}

static const char *
ps_state(u_int flags, const char *wmesg)
{
	if (flags & TDF_RUNNING)
		return ("RUN");
	if (flags & TDF_RUNQ)
		return (wmesg != NULL ? "TOKW" : "RDY");
	if (flags & (TDF_TSLEEPQ | TDF_TSLEEP_DESCHEDULED))
		return ("SLEEP");
	if (flags & TDF_BLOCKED)
		return ("BLOCK");
	if (flags & TDF_IDLETHREAD)
		return ("IDLE");
	return ("WAIT");
}

static int
cmd_ps(int argc __unused, char **argv __unused)
{
	struct ps_snapshot *ps = kmalloc(sizeof(*ps), M_KMONITOR, M_WAITOK);

	kprintf("%-3s %-18s %-3s %-5s %-8s %-10s %-16s %s\n", "CPU", "THREAD",
	    "PRI", "STATE", "WMESG", "SWITCHES", "TOKENS", "NAME");
	for (int cpu = 0; cpu < ncpus; cpu++) {
		ps_take(cpu, ps);
		for (int i = 0; i < ps->ps_count; i++) {
			struct ps_entry *pe = &ps->ps_ent[i];

			kprintf("%-3d %-18p %-3d %-5s %-8s %-10ju %-16s %s\n",
			    cpu, pe->pe_td, pe->pe_pri,
			    ps_state(pe->pe_flags, pe->pe_wmesg),
			    pe->pe_wmesg != NULL ? pe->pe_wmesg : "-",
			    (uintmax_t)pe->pe_switches, pe->pe_toks,
			    pe->pe_comm);
		}
	}
	kfree(ps, M_KMONITOR);
	return (0);
}
KMONITOR_COMMAND(ps, "list all threads: cpu, priority, state, tokens",
    cmd_ps);

static int
cmd_cpus(int argc __unused, char **argv __unused)
{
	struct ps_snapshot *ps = kmalloc(sizeof(*ps), M_KMONITOR, M_WAITOK);

	kprintf("%d cpus, %ju of %ju KiB free\n", ncpus,
	    (uintmax_t)(vm_page_free_bytes() / 1024),
	    (uintmax_t)(vm_page_total_bytes() / 1024));
	kprintf("%-3s %-7s %-5s %-10s %-10s %-10s %-8s %-8s %s\n", "CPU",
	    "THREADS", "RUNQ", "SWITCHES", "IPI-SENT", "IPI-RECV", "IPI-HW",
	    "PREEMPT", "INTR");
	for (int cpu = 0; cpu < ncpus; cpu++) {
		ps_take(cpu, ps);
		kprintf("%-3d %-7d %-5d %-10ju %-10ju %-10ju %-8ju %-8ju %ju\n",
		    cpu, ps->ps_count, ps->ps_runq,
		    (uintmax_t)ps->ps_cnt.v_swtch,
		    (uintmax_t)ps->ps_cnt.v_ipi_sent,
		    (uintmax_t)ps->ps_cnt.v_ipi_recv,
		    (uintmax_t)ps->ps_cnt.v_ipi_hw,
		    (uintmax_t)ps->ps_cnt.v_preempt,
		    (uintmax_t)ps->ps_cnt.v_intr);
	}
	kfree(ps, M_KMONITOR);
	return (0);
}
KMONITOR_COMMAND(cpus, "per-cpu threads, switches and IPI counts", cmd_cpus);

static int
cmd_selftest(int argc, char **argv)
{
	int failed = ktest_run(argc > 1 ? argv[1] : "all", true);

	return (failed == 0 ? 0 : EIO);
}
KMONITOR_COMMAND(selftest, "run the kernel tests (selftest [pattern])",
    cmd_selftest);

int
kbench_run(const char *pattern)
{
	struct kbench **kbp;
	size_t len = strlen(pattern);
	int n = 0;

	SET_FOREACH(kbp, kbench_set) {
		if (strcmp(pattern, "all") != 0 &&
		    strncmp((*kbp)->kb_name, pattern, len) != 0)
			continue;
		(*kbp)->kb_func();
		n++;
	}
	kprintf("bench: done, %d benchmark%s\n", n, n == 1 ? "" : "s");
	return (n);
}

static int
cmd_bench(int argc, char **argv)
{
	return (kbench_run(argc > 1 ? argv[1] : "all") > 0 ? 0 : ENOENT);
}
KMONITOR_COMMAND(bench, "run the benchmarks (bench [prefix])", cmd_bench);

static int
cmd_panic(int argc, char **argv)
{
	panic("kmonitor: %s", argc > 1 ? argv[1] : "panic requested");
}
KMONITOR_COMMAND(panic, "panic the kernel on purpose (panic [word])",
    cmd_panic);
