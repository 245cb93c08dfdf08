/*
 * Copyright (c) 2026 The Anax Project
 * SPDX-License-Identifier: BSD-2-Clause
 */
/*
 * subr_prf.c - kprintf, ksnprintf and panic.
 *
 * One formatter (kformat) serves every output: it hands characters to a
 * sink, which either fills a caller's buffer (ksnprintf) or a line buffer
 * on the stack that is written to the console in one piece (kprintf).
 * Supported: %d %i %u %x %X %o %p %s %c %% with the flags '-', '0', ' ',
 * '+', '#', a width and precision (also '*'), and the length modifiers
 * hh h l ll z j t.
 *
 * Locking: console output is serialized by cons_spin so that lines from
 * different cpus do not interleave; kprintf never blocks and may be called
 * from any context, including a critical section and an IPI handler.
 * panic() takes no lock: it must work when the kernel is broken.
 */

#include <sys/types.h>
#include <sys/systm.h>
#include <sys/cpu_md.h>
#include <sys/spinlock.h>
#include <sys/kmonitor.h>

#define KPRINTF_LINE_BYTES	256
#define NUMBUF_BYTES		24	/* 64 bits in octal, plus sign */

const char *volatile panicstr;
static struct spinlock cons_spin = SPINLOCK_INITIALIZER(cons_spin);

struct ksink {
	char	*ks_buf;
	size_t	ks_size;	/* capacity of ks_buf */
	size_t	ks_len;		/* characters stored */
	size_t	ks_total;	/* characters produced */
	bool	ks_console;	/* flush to the console when full */
};

static void
ksink_flush(struct ksink *sink)
{
	if (sink->ks_console && sink->ks_len > 0)
		platform_console_write(sink->ks_buf, sink->ks_len);
	sink->ks_len = 0;
}

static void
ksink_putc(struct ksink *sink, char c)
{
	sink->ks_total++;
	if (sink->ks_len + 1 >= sink->ks_size) {
		if (!sink->ks_console)
			return;
		ksink_flush(sink);
	}
	sink->ks_buf[sink->ks_len++] = c;
}

static void
ksink_pad(struct ksink *sink, char c, int n)
{
	while (n-- > 0)
		ksink_putc(sink, c);
}

struct kfmt_spec {
	bool	left;
	bool	zero;
	bool	alt;
	char	sign;		/* 0, ' ' or '+' */
	int	width;
	int	prec;		/* -1: none */
	int	lmod;		/* 0 int, 1 long, 2 long long, -1 short, -2 char */
};

static void
kformat_number(struct ksink *sink, struct kfmt_spec *sp, uint64_t v,
    bool neg, int base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[NUMBUF_BYTES];
	int n = 0, len, zeros, prefix = 0;
	char signc = neg ? '-' : sp->sign;

	do {
		buf[n++] = digits[v % base];
		v /= base;
	} while (v != 0);
	zeros = sp->prec > n ? sp->prec - n : 0;
	if (sp->alt && base == 16)
		prefix = 2;
	len = n + zeros + prefix + (signc ? 1 : 0);
	if (sp->zero && !sp->left && sp->prec < 0 && sp->width > len) {
		zeros += sp->width - len;
		len = sp->width;
	}
	if (!sp->left)
		ksink_pad(sink, ' ', sp->width - len);
	if (signc)
		ksink_putc(sink, signc);
	if (prefix) {
		ksink_putc(sink, '0');
		ksink_putc(sink, upper ? 'X' : 'x');
	}
	ksink_pad(sink, '0', zeros);
	while (n > 0)
		ksink_putc(sink, buf[--n]);
	if (sp->left)
		ksink_pad(sink, ' ', sp->width - len);
}

static void
kformat_string(struct ksink *sink, struct kfmt_spec *sp, const char *s)
{
	int len = 0;

	if (s == NULL)
		s = "(null)";
	while (s[len] != '\0' && (sp->prec < 0 || len < sp->prec))
		len++;
	if (!sp->left)
		ksink_pad(sink, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		ksink_putc(sink, s[i]);
	if (sp->left)
		ksink_pad(sink, ' ', sp->width - len);
}

/* Parse flags, width, precision and length; returns the conversion. */
static const char *
kformat_spec(const char *fmt, struct kfmt_spec *sp, va_list *ap)
{
	*sp = (struct kfmt_spec){ .prec = -1 };
	for (;; fmt++) {
		if (*fmt == '-')
			sp->left = true;
		else if (*fmt == '0')
			sp->zero = true;
		else if (*fmt == '#')
			sp->alt = true;
		else if (*fmt == ' ' || *fmt == '+')
			sp->sign = sp->sign == '+' ? '+' : *fmt;
		else
			break;
	}
	if (*fmt == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = -sp->width;
		}
		fmt++;
	}
	while (*fmt >= '0' && *fmt <= '9')
		sp->width = sp->width * 10 + (*fmt++ - '0');
	if (*fmt == '.') {
		fmt++;
		sp->prec = 0;
		if (*fmt == '*') {
			sp->prec = va_arg(*ap, int);
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			sp->prec = sp->prec * 10 + (*fmt++ - '0');
	}
	for (;; fmt++) {
		if (*fmt == 'l')
			sp->lmod = sp->lmod < 0 ? 1 : sp->lmod + 1;
		else if (*fmt == 'h')
			sp->lmod = sp->lmod > 0 ? -1 : sp->lmod - 1;
		else if (*fmt == 'z' || *fmt == 'j' || *fmt == 't')
			sp->lmod = 2;
		else
			break;
	}
	return (fmt);
}

static uint64_t
kformat_unsigned_arg(struct kfmt_spec *sp, va_list *ap)
{
	if (sp->lmod >= 2)
		return (va_arg(*ap, unsigned long long));
	if (sp->lmod == 1)
		return (va_arg(*ap, unsigned long));
	if (sp->lmod == -1)
		return ((unsigned short)va_arg(*ap, unsigned int));
	if (sp->lmod <= -2)
		return ((unsigned char)va_arg(*ap, unsigned int));
	return (va_arg(*ap, unsigned int));
}

static int64_t
kformat_signed_arg(struct kfmt_spec *sp, va_list *ap)
{
	if (sp->lmod >= 2)
		return (va_arg(*ap, long long));
	if (sp->lmod == 1)
		return (va_arg(*ap, long));
	if (sp->lmod == -1)
		return ((short)va_arg(*ap, int));
	if (sp->lmod <= -2)
		return ((signed char)va_arg(*ap, int));
	return (va_arg(*ap, int));
}

static void
kformat(struct ksink *sink, const char *fmt, va_list ap0)
{
	struct kfmt_spec sp;
	va_list ap;
	int64_t sv;

	va_copy(ap, ap0);
	for (; *fmt != '\0'; fmt++) {
		if (*fmt != '%') {
			ksink_putc(sink, *fmt);
			continue;
		}
		fmt = kformat_spec(fmt + 1, &sp, &ap);
		switch (*fmt) {
		case 'd':
		case 'i':
			sv = kformat_signed_arg(&sp, &ap);
			kformat_number(sink, &sp,
			    sv < 0 ? -(uint64_t)sv : (uint64_t)sv, sv < 0, 10,
			    false);
			break;
		case 'u':
			kformat_number(sink, &sp, kformat_unsigned_arg(&sp, &ap),
			    false, 10, false);
			break;
		case 'x':
		case 'X':
			kformat_number(sink, &sp, kformat_unsigned_arg(&sp, &ap),
			    false, 16, *fmt == 'X');
			break;
		case 'o':
			kformat_number(sink, &sp, kformat_unsigned_arg(&sp, &ap),
			    false, 8, false);
			break;
		case 'p':
			sp.alt = true;
			kformat_number(sink, &sp,
			    (uintptr_t)va_arg(ap, void *), false, 16, false);
			break;
		case 's':
			kformat_string(sink, &sp, va_arg(ap, const char *));
			break;
		case 'c':
			ksink_putc(sink, (char)va_arg(ap, int));
			break;
		case '%':
			ksink_putc(sink, '%');
			break;
		case '\0':
			fmt--;
			break;
		default:
			ksink_putc(sink, '%');
			ksink_putc(sink, *fmt);
			break;
		}
	}
	va_end(ap);
}

int
kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct ksink sink = { .ks_buf = buf, .ks_size = size };

	kformat(&sink, fmt, ap);
	if (size > 0)
		buf[sink.ks_len] = '\0';
	return ((int)sink.ks_total);
}

int
ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return (n);
}

int
kvprintf(const char *fmt, va_list ap)
{
	char line[KPRINTF_LINE_BYTES];
	struct ksink sink = { .ks_buf = line, .ks_size = sizeof(line),
		.ks_console = true };
	bool locked = panicstr == NULL;

	if (locked)
		spin_lock(&cons_spin);
	kformat(&sink, fmt, ap);
	ksink_flush(&sink);
	if (locked)
		spin_unlock(&cons_spin);
	return ((int)sink.ks_total);
}

int
kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvprintf(fmt, ap);
	va_end(ap);
	return (n);
}

/*
 * panic - report a kernel corruption and stop.
 *
 * Prints the message, the cpu and a backtrace, then enters the kernel
 * monitor on the console (which halts if the console has no input).  A
 * panic inside a panic halts at once.
 */
void
panic(const char *fmt, ...)
{
	static char panicbuf[KPRINTF_LINE_BYTES];
	static volatile u_int panicking;
	va_list ap;

	if (atomic_swap_int(&panicking, 1) != 0) {
		/* Another cpu panics, or a recursive panic: stop here. */
		for (int i = 0; panicstr == NULL && i < 1000000; i++)
			cpu_pause();
		platform_halt(PANIC_EXIT_STATUS);
	}
	va_start(ap, fmt);
	kvsnprintf(panicbuf, sizeof(panicbuf), fmt, ap);
	va_end(ap);
	panicstr = panicbuf;
	kprintf("panic: %s\n", panicbuf);
	kprintf("cpuid = %d\n", mycpuid);
	platform_backtrace();
	kmonitor_panic();
}
