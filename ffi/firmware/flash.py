#!/usr/bin/env python3
"""Flash of the C firmware by where it comes from, read from the linker's
map file: the library (libtencent_cos_core_ffi.a: the Rust code and its
compiler-builtins), the firmware's own code and its test data, libgcc.

Usage: flash.py FIRMWARE.map  ->  one line, name=bytes pairs:
    library=N firmware-code=N firmware-data=N other=N total=N
(.text + .rodata + .data initialisers: what the flash holds).
"""

import re
import sys


def main():
    text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    text = text[text.index("Linker script and memory map") :]
    sums = {"library": 0, "firmware-code": 0, "firmware-data": 0, "other": 0}
    pending = None
    for line in text.splitlines():
        # An input section is ` .name addr size file`, or ` .name` alone
        # with the rest on the next line.
        m = re.match(r"^ (\.\S+)\s*$", line)
        if m:
            pending = m.group(1)
            continue
        m = re.match(r"^ (\.\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
        if m:
            section, addr, size, origin = m.groups()
        else:
            m = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            if not (m and pending):
                pending = None
                continue
            section = pending
            addr, size, origin = m.groups()
        pending = None
        if not section.startswith((".text", ".rodata", ".data", ".isr_vector")):
            continue
        addr, size = int(addr, 16), int(size, 16)
        if "libtencent_cos_core_ffi" in origin:
            key = "library"
        elif "main.o" in origin or "startup.o" in origin:
            key = "firmware-data" if section.startswith(".rodata") else "firmware-code"
        else:
            key = "other"
        sums[key] += size
    sums["total"] = sum(sums.values())
    print(" ".join("%s=%d" % kv for kv in sums.items()))


if __name__ == "__main__":
    main()
