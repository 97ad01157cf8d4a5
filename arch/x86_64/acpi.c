/* SPDX-License-Identifier: MIT */
/*
 * acpi.c - find the CPUs: RSDP -> RSDT/XSDT -> MADT ("APIC") -> local APIC entries.
 *
 * The RSDP comes from the PVH start_info when the loader gave one, else from the BIOS
 * areas the ACPI spec names (first KiB of the EBDA, then 0xE0000..0xFFFFF, 16-byte
 * aligned). Every table is checksummed. CPUs are the MADT's processor local APIC entries
 * (type 0) and x2APIC entries (type 9) with the Enabled flag; "online capable" but
 * disabled ones are hot-plug slots, not CPUs. This kernel drives the LAPIC in xAPIC mode,
 * so APIC ids above 254 cannot be reached with an IPI and are skipped with a message.
 * All tables are read through the direct map, so they must lie below 4 GiB (QEMU and
 * SeaBIOS put them at the top of low RAM).
 */
#include "platform_internal.h"

struct rsdp {
	char signature[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;          /* revision >= 2 */
	uint64_t xsdt;
	uint8_t xchecksum;
	uint8_t reserved[3];
} __attribute__((packed));

struct sdt {
	char signature[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem[6];
	char oem_table[8];
	uint32_t oem_revision;
	uint32_t creator;
	uint32_t creator_revision;
} __attribute__((packed));

struct madt {
	struct sdt h;
	uint32_t lapic_addr;
	uint32_t flags;
	uint8_t entries[];
} __attribute__((packed));

#define LOW_4G (4ull << 30)

static bool checksum_ok(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (n--)
		sum += *b++;
	return sum == 0;
}

static const struct rsdp *rsdp_at(uint64_t pa)
{
	const struct rsdp *r = phys_to_virt(pa);

	if (memcmp(r->signature, "RSD PTR ", 8) || !checksum_ok(r, 20))
		return NULL;
	if (r->revision >= 2 && !checksum_ok(r, r->length < 36 ? 36 : r->length))
		return NULL;
	return r;
}

static const struct rsdp *rsdp_scan(uint64_t start, uint64_t end)
{
	const struct rsdp *r;

	for (; start + 36 <= end; start += 16)
		if ((r = rsdp_at(start)))
			return r;
	return NULL;
}

static const struct rsdp *rsdp_find(void)
{
	uint64_t ebda = (uint64_t)*(const uint16_t *)phys_to_virt(0x40e) << 4;
	const struct rsdp *r = NULL;

	if (platform_rsdp_hint() && platform_rsdp_hint() < LOW_4G)
		r = rsdp_at(platform_rsdp_hint());
	if (!r && ebda >= 0x80000 && ebda < 0xa0000)
		r = rsdp_scan(ebda, ebda + 1024);
	if (!r)
		r = rsdp_scan(0xe0000, 0x100000);
	return r;
}

static const struct sdt *table_at(uint64_t pa, const char *sig)
{
	const struct sdt *t;

	if (!pa || pa >= LOW_4G)
		return NULL;
	t = phys_to_virt(pa);
	if (sig && memcmp(t->signature, sig, 4))
		return NULL;
	if (t->length < sizeof(*t) || !checksum_ok(t, t->length))
		return NULL;
	return t;
}

/* The MADT, through the XSDT (64-bit pointers) when there is one, else the RSDT. */
static const struct madt *madt_find(const struct rsdp *r)
{
	const struct sdt *root = NULL, *t;
	size_t width = 8, i, n;
	const uint8_t *p;

	if (r->revision >= 2)
		root = table_at(r->xsdt, "XSDT");
	if (!root) {
		root = table_at(r->rsdt, "RSDT");
		width = 4;
	}
	if (!root)
		return NULL;
	p = (const uint8_t *)(root + 1);
	n = (root->length - sizeof(*root)) / width;
	for (i = 0; i < n; i++) {
		uint64_t pa = 0;

		memcpy(&pa, p + i * width, width);
		t = table_at(pa, "APIC");
		if (t)
			return (const struct madt *)t;
	}
	return NULL;
}

static unsigned add_cpu(unsigned *ids, unsigned n, unsigned max, uint32_t id)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return n; /* listed twice (type 0 and 9): once is enough */
	if (id > 254) {
		kprintf("acpi: CPU with APIC id %u needs x2APIC mode; skipped\n", id);
		return n;
	}
	if (n == max) {
		kprintf("acpi: more than %u CPUs; APIC id %u skipped\n", max, id);
		return n;
	}
	ids[n] = id;
	return n + 1;
}

unsigned acpi_find_cpus(unsigned *ids, unsigned max)
{
	const struct rsdp *r = rsdp_find();
	const struct madt *m;
	const uint8_t *p, *end;
	unsigned n = 0;

	if (!r) {
		kprintf("acpi: no RSDP found\n");
		return 0;
	}
	m = madt_find(r);
	if (!m) {
		kprintf("acpi: no valid MADT\n");
		return 0;
	}
	p = m->entries;
	end = (const uint8_t *)m + m->h.length;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		uint32_t flags, id;

		if (p[0] == 0 && p[1] >= 8) {          /* processor local APIC */
			memcpy(&flags, p + 4, 4);
			if (flags & 1)
				n = add_cpu(ids, n, max, p[3]);
		} else if (p[0] == 9 && p[1] >= 16) {  /* processor local x2APIC */
			memcpy(&id, p + 4, 4);
			memcpy(&flags, p + 8, 4);
			if (flags & 1)
				n = add_cpu(ids, n, max, id);
		}
		p += p[1];
	}
	return n;
}
