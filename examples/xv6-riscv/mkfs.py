#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build an xv6 file system image: mkfs.py IMAGE FILE...

The xv6 tree this port is tested with ships without its mkfs/ directory, so this writes
the on-disk format of kernel/fs.h directly: boot block, superblock, log, inodes, one free
bitmap block, data. FILE paths lose their directory and a leading '_' (user/_sh -> sh).
"""
import os
import struct
import sys

BSIZE = 1024
FSSIZE = 2000            # kernel/param.h
LOGSIZE = 30             # MAXOPBLOCKS * 3
NINODES = 200
FSMAGIC = 0x10203040
NDIRECT = 12
NINDIRECT = BSIZE // 4
DINODE = struct.Struct("<hhhhI13I")   # type major minor nlink size addrs[NDIRECT+1]
IPB = BSIZE // DINODE.size
T_DIR, T_FILE = 1, 2
ROOTINO = 1

NBITMAP = FSSIZE // (BSIZE * 8) + 1
NINODEBLOCKS = NINODES // IPB + 1
LOGSTART = 2
INODESTART = LOGSTART + LOGSIZE
BMAPSTART = INODESTART + NINODEBLOCKS
NMETA = BMAPSTART + NBITMAP


class Image:
    def __init__(self):
        self.disk = bytearray(FSSIZE * BSIZE)
        self.next_block = NMETA
        self.next_inode = ROOTINO
        self.inodes = {}

    def alloc_block(self):
        b = self.next_block
        if b >= FSSIZE:
            sys.exit("mkfs.py: image full")
        self.next_block += 1
        return b

    def put_block(self, b, data):
        self.disk[b * BSIZE:b * BSIZE + len(data)] = data

    def new_inode(self, itype):
        inum = self.next_inode
        self.next_inode += 1
        self.inodes[inum] = [itype, 1, bytearray()]
        return inum

    def append(self, inum, data):
        self.inodes[inum][2] += data

    def write_inode(self, inum):
        itype, nlink, data = self.inodes[inum]
        nblocks = (len(data) + BSIZE - 1) // BSIZE
        if nblocks > NDIRECT + NINDIRECT:
            sys.exit("mkfs.py: file too large")
        addrs = [0] * (NDIRECT + 1)
        indirect = []
        for i in range(nblocks):
            b = self.alloc_block()
            self.put_block(b, data[i * BSIZE:(i + 1) * BSIZE])
            if i < NDIRECT:
                addrs[i] = b
            else:
                indirect.append(b)
        if indirect:
            addrs[NDIRECT] = self.alloc_block()
            self.put_block(addrs[NDIRECT], struct.pack("<%dI" % len(indirect), *indirect))
        off = (INODESTART + inum // IPB) * BSIZE + (inum % IPB) * DINODE.size
        self.disk[off:off + DINODE.size] = DINODE.pack(itype, 0, 0, nlink, len(data), *addrs)

    def finish(self):
        for inum in sorted(self.inodes):
            self.write_inode(inum)
        sb = struct.pack("<8I", FSMAGIC, FSSIZE, FSSIZE - NMETA, NINODES, LOGSIZE,
                         LOGSTART, INODESTART, BMAPSTART)
        self.put_block(1, sb)
        bitmap = bytearray(BSIZE)
        for b in range(self.next_block):
            bitmap[b // 8] |= 1 << (b % 8)
        self.put_block(BMAPSTART, bitmap)


def dirent(inum, name):
    return struct.pack("<H14s", inum, name.encode())


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: mkfs.py IMAGE FILE...")
    img = Image()
    root = img.new_inode(T_DIR)
    img.append(root, dirent(root, ".") + dirent(root, ".."))
    for path in sys.argv[2:]:
        name = os.path.basename(path)
        if name.startswith("_"):
            name = name[1:]
        if len(name) > 14:
            sys.exit("mkfs.py: name too long: " + name)
        inum = img.new_inode(T_FILE)
        with open(path, "rb") as f:
            img.append(inum, f.read())
        img.append(root, dirent(inum, name))
    data = img.inodes[root][2]               # the root directory fills whole blocks
    data += bytes(-len(data) % BSIZE)
    img.finish()
    with open(sys.argv[1], "wb") as f:
        f.write(img.disk)


if __name__ == "__main__":
    main()
