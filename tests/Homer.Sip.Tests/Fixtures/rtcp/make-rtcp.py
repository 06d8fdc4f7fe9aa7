#!/usr/bin/env python3
"""Binary RTCP golden packets written field by field (RFC 3550 / RFC 3611). Run once; outputs committed."""
import os, struct
os.chdir(os.path.dirname(os.path.abspath(__file__)))

def header(count, pt, body, padding=False):
    assert len(body) % 4 == 0
    return struct.pack('>BBH', 0x80 | (0x20 if padding else 0) | count, pt, len(body) // 4) + body

def block(ssrc, fraction, lost, seq, jitter, lsr, dlsr):
    return struct.pack('>IB', ssrc, fraction) + (lost & 0xffffff).to_bytes(3, 'big') + struct.pack('>IIII', seq, jitter, lsr, dlsr)

def sdes(ssrc, items):
    b = struct.pack('>I', ssrc)
    for t, text in items:
        b += struct.pack('>BB', t, len(text)) + text
    b += b'\0'
    while len(b) % 4: b += b'\0'
    return b

sr = header(1, 200, struct.pack('>I', 0x11223344) + struct.pack('>IIIII', 3913056000, 2147483648, 160000, 1000, 160000)
            + block(0x55667788, 64, 12, 70000, 35, 0xAABBCCDD, 65536))
sd = header(1, 202, sdes(0x11223344, [(1, b'alice@198.51.100.10'), (6, b'phone 1.0')]))
open('sr-sdes.bin', 'wb').write(sr + sd)

rr = header(2, 201, struct.pack('>I', 0x01020304) + block(0x0A0B0C0D, 0, -3, 100, 7, 0, 0) + block(0x0E0F1011, 255, 1000, 200, 900, 1, 2))
bye = header(1, 203, struct.pack('>I', 0x01020304) + bytes([8]) + b'teardown' + b'\0\0\0')
open('rr-bye.bin', 'wb').write(rr + bye)

voip = struct.pack('>BBH', 7, 0, 8) + struct.pack('>IBBBBHHHHbbBBBBBBBBHHH', 0x55667788, 13, 5, 64, 2, 120, 5000, 180, 40,
                                                    -20, -60, 55, 16, 88, 127, 42, 43, 0, 0, 40, 80, 120)
xr = header(0, 207, struct.pack('>I', 0x11223344) + voip)
open('xr-voip.bin', 'wb').write(rr + xr)
