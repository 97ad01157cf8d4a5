/* SPDX-License-Identifier: MIT */
/*
 * fwcfg.c - files QEMU hands the guest through its firmware configuration device
 * (`-fw_cfg name=opt/...,file=PATH`), read at boot.
 *
 * This is how the kernel gets data that is not in its image without a rebuild: the policy
 * service's manifests (kernel/kpolicy.c). The PVH start_info can carry one module (QEMU's
 * -initrd), but fw_cfg names any number of files, so a boot can pass the manifest it starts
 * with and the ones it switches to later, each under its own name.
 *
 * The device (QEMU docs/specs/fw_cfg.rst): a 16-bit selector port and an 8-bit data port;
 * selecting an item rewinds it, each data read returns its next byte. Item 0 reads "QEMU";
 * item 0x19 is the file directory: a big-endian count, then 64-byte entries (big-endian
 * size, big-endian selector, 2 reserved bytes, a 56-byte NUL-terminated name). The ports
 * are read byte by byte (no DMA): the files are a few KiB, read once.
 *
 * Not locked: called on the boot CPU before the others start (a selection and the reads
 * after it must not interleave with another CPU's).
 */
#include "platform_internal.h"

#define FW_CFG_PORT_SEL 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_SIGNATURE 0x00
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_NAME_MAX 56

static void fw_read(void *buf, size_t n)
{
	uint8_t *p = buf;

	for (size_t i = 0; i < n; i++)
		p[i] = inb(FW_CFG_PORT_DATA);
}

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* QEMU's device answers its signature; a machine without one reads 0xff from the port. */
static bool fw_present(void)
{
	uint8_t sig[4];

	outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	fw_read(sig, sizeof(sig));
	return sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U';
}

static bool name_is(const char *entry, const char *name)
{
	size_t i = 0;

	while (i < FW_CFG_NAME_MAX && name[i] && entry[i] == name[i])
		i++;
	return i < FW_CFG_NAME_MAX && !name[i] && !entry[i];
}

/* The selector and size of the file called `name`; false if there is none. */
static bool fw_find(const char *name, uint16_t *sel, uint32_t *size)
{
	uint8_t count[4];
	uint32_t n;

	outw(FW_CFG_PORT_SEL, FW_CFG_FILE_DIR);
	fw_read(count, sizeof(count));
	n = be32(count);
	for (uint32_t i = 0; i < n; i++) {
		struct { uint8_t size[4], sel[2], reserved[2]; char name[FW_CFG_NAME_MAX]; } e;

		fw_read(&e, sizeof(e)); /* the entries follow one another in the one item */
		if (name_is(e.name, name)) {
			*sel = (uint16_t)(e.sel[0] << 8 | e.sel[1]);
			*size = be32(e.size);
			return true;
		}
	}
	return false;
}

long platform_fw_file(const char *name, void *buf, size_t len)
{
	uint16_t sel;
	uint32_t size;

	if (!name || !fw_present() || !fw_find(name, &sel, &size))
		return -1;
	outw(FW_CFG_PORT_SEL, sel);
	fw_read(buf, size < len ? size : len);
	return (long)size;
}
