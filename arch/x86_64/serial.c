/* SPDX-License-Identifier: MIT */
/*
 * serial.c - COM1 console, kprintf, panic, QEMU exit.
 *
 * The 16550 is polled (no interrupts): a byte is written once the transmit holding register
 * is empty (LSR bit 5). Each kprintf call holds the console lock with interrupts off for
 * its whole output, so lines from several CPUs do not interleave and an interrupt handler
 * that prints cannot deadlock against the code it interrupted. The lock remembers its
 * owner: an exception raised while this CPU holds it (a fault inside kprintf) prints anyway.
 */
#include "platform_internal.h"

#define COM1 0x3f8
#define NO_OWNER (~0u)

static struct spinlock con_lock;
static volatile unsigned con_owner = NO_OWNER;

void serial_init(void)
{
	outb(COM1 + 1, 0x00); /* IER: no interrupts */
	outb(COM1 + 3, 0x80); /* LCR: DLAB to set the divisor */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xc7); /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void com1_putc(char c)
{
	unsigned spins = 0;

	/* bounded: a missing UART must not hang the kernel */
	while (!(inb(COM1 + 5) & 0x20) && ++spins < 100000)
		cpu_relax();
	outb(COM1, (uint8_t)c);
}

static unsigned con_cpu(void)
{
	return cpu_percpu_ready() ? this_cpu() : 0;
}

/* Returns whether the lock was taken (false: nested on this CPU). Interrupts are off. */
static bool con_enter(void)
{
	unsigned me = con_cpu();

	if (__atomic_load_n(&con_owner, __ATOMIC_RELAXED) == me)
		return false;
	spin_lock(&con_lock);
	con_owner = me;
	return true;
}

static void con_leave(bool taken)
{
	if (!taken)
		return;
	con_owner = NO_OWNER;
	spin_unlock(&con_lock);
}

void serial_write(const char *s, size_t n)
{
	uint64_t f = irq_save();
	bool taken = con_enter();

	while (n--)
		com1_putc(*s++);
	con_leave(taken);
	irq_restore(f);
}

/* --- formatting ------------------------------------------------------------------------------ */

struct spec {
	bool left, zero, alt, plus;
	unsigned width;
	int len;                  /* 0 int, 1 long, 2 long long, -1 short (treated as int) */
};

static void pad(unsigned n, char c)
{
	while (n--)
		com1_putc(c);
}

static void put_field(const struct spec *sp, const char *prefix, const char *body, size_t blen)
{
	size_t plen = strlen(prefix), total = plen + blen;
	unsigned fill = sp->width > total ? sp->width - (unsigned)total : 0;

	if (!sp->left && !sp->zero)
		pad(fill, ' ');
	while (*prefix)
		com1_putc(*prefix++);
	if (!sp->left && sp->zero)
		pad(fill, '0');
	while (blen--)
		com1_putc(*body++);
	if (sp->left)
		pad(fill, ' ');
}

static void put_number(const struct spec *sp, uint64_t v, unsigned base, bool neg, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	size_t i = sizeof(buf);
	const char *prefix = neg ? "-" : sp->plus ? "+" : "";

	do {
		buf[--i] = digits[v % base];
		v /= base;
	} while (v);
	if (sp->alt && base == 16)
		prefix = upper ? "0X" : "0x";
	put_field(sp, prefix, buf + i, sizeof(buf) - i);
}

static uint64_t arg_unsigned(const struct spec *sp, va_list *ap)
{
	if (sp->len == 2)
		return va_arg(*ap, unsigned long long);
	if (sp->len == 1)
		return va_arg(*ap, unsigned long);
	return va_arg(*ap, unsigned);
}

static int64_t arg_signed(const struct spec *sp, va_list *ap)
{
	if (sp->len == 2)
		return va_arg(*ap, long long);
	if (sp->len == 1)
		return va_arg(*ap, long);
	return va_arg(*ap, int);
}

/* Parses flags, width and length after '%'; returns the conversion character's position. */
static const char *parse_spec(const char *p, struct spec *sp)
{
	memset(sp, 0, sizeof(*sp));
	for (;; p++) {
		if (*p == '-')
			sp->left = true;
		else if (*p == '0')
			sp->zero = true;
		else if (*p == '#')
			sp->alt = true;
		else if (*p == '+')
			sp->plus = true;
		else
			break;
	}
	while (*p >= '0' && *p <= '9')
		sp->width = sp->width * 10 + (unsigned)(*p++ - '0');
	if (*p == 'h') {
		sp->len = -1;
		p++;
	} else if (*p == 'z') {
		sp->len = 1;
		p++;
	} else {
		while (*p == 'l' && sp->len < 2) {
			sp->len++;
			p++;
		}
	}
	return p;
}

static void convert(char c, struct spec *sp, va_list *ap)
{
	switch (c) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(sp, ap);

		put_number(sp, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, 10, v < 0, false);
		break;
	}
	case 'u':
		put_number(sp, arg_unsigned(sp, ap), 10, false, false);
		break;
	case 'x':
	case 'X':
		put_number(sp, arg_unsigned(sp, ap), 16, false, c == 'X');
		break;
	case 'p':
		sp->alt = true;
		sp->zero = true;
		sp->width = 18;
		put_number(sp, (uint64_t)va_arg(*ap, void *), 16, false, false);
		break;
	case 's': {
		const char *s = va_arg(*ap, const char *);

		if (!s)
			s = "(null)";
		sp->zero = false;
		put_field(sp, "", s, strlen(s));
		break;
	}
	case 'c': {
		char ch = (char)va_arg(*ap, int);

		sp->zero = false;
		put_field(sp, "", &ch, 1);
		break;
	}
	case '%':
		com1_putc('%');
		break;
	default: /* unknown: show it rather than guess at the arguments */
		com1_putc('%');
		com1_putc(c);
		break;
	}
}

static void format(const char *fmt, va_list *ap)
{
	struct spec sp;

	while (*fmt) {
		if (*fmt != '%') {
			com1_putc(*fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		if (!*fmt)
			break;
		convert(*fmt++, &sp, ap);
	}
}

void kvprintf(const char *fmt, va_list ap)
{
	uint64_t f = irq_save();
	bool taken = con_enter();
	va_list aq;

	va_copy(aq, ap);
	format(fmt, &aq);
	va_end(aq);
	con_leave(taken);
	irq_restore(f);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

/* --- the way out ------------------------------------------------------------------------------ */

void qemu_exit(int code)
{
	/* isa-debug-exit (iobase 0xf4, iosize 4): QEMU exits with status (code << 1) | 1 */
	outl(0xf4, (uint32_t)code);
	for (;;) /* not under QEMU, or no such device: stop here */
		__asm__ volatile("cli; hlt");
}

void panic(const char *fmt, ...)
{
	va_list ap;

	__asm__ volatile("cli");
	kprintf("\n*** PANIC on cpu%u: ", con_cpu());
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	qemu_exit(1);
}
