#!/usr/bin/env python3
"""Writes the golden HEP fixtures byte by byte, independently of our encoder (run once; outputs are committed)."""
import os, struct, socket, gzip, zlib
os.chdir(os.path.dirname(os.path.abspath(__file__)))

def chunk(t, payload, vendor=0):
    return struct.pack('>HHH', vendor, t, 6 + len(payload)) + payload

def u8(t, v): return chunk(t, struct.pack('>B', v))
def u16(t, v): return chunk(t, struct.pack('>H', v))
def u32(t, v): return chunk(t, struct.pack('>I', v))

def hep3(chunks, magic=b'HEP3', declared=None):
    body = b''.join(chunks)
    return magic + struct.pack('>H', declared if declared is not None else 6 + len(body)) + body

invite = open('invite-sdp.sip', 'rb').read()
v4 = socket.inet_pton(socket.AF_INET, '212.202.0.1')
v4d = socket.inet_pton(socket.AF_INET, '82.116.0.211')

# The public spec's example: IPv4 UDP 212.202.0.1:12010 -> 82.116.0.211:5060, 1313440459.120000, SIP, capture id 228.
# The spec prints a shortened payload; a 14-byte one makes the declared length 0x71 exact.
spec = hep3([u8(1, 2), u8(2, 17), chunk(3, v4), chunk(4, v4d), u16(7, 12010), u16(8, 5060),
             u32(9, 1313440459), u32(10, 120000), u8(11, 1), u32(12, 228), chunk(15, b'INVITE sip:bob')])
assert len(spec) == 0x71
open('spec-example.bin', 'wb').write(spec)

base = [u8(1, 2), u8(2, 17), chunk(3, socket.inet_pton(socket.AF_INET, '198.51.100.10')),
        chunk(4, socket.inet_pton(socket.AF_INET, '192.0.2.4')), u16(7, 5060), u16(8, 5060),
        u32(9, 1700000000), u32(10, 123456), u8(11, 1), u32(12, 2001)]
open('hep3-invite.bin', 'wb').write(hep3(base + [chunk(14, b'myHep'), chunk(17, b'a84b4c76e66710@pc33.example.com'),
                                                 u16(0x12, 42), chunk(0x13, b'sbc-1'), chunk(15, invite)]))
open('eep3-invite.bin', 'wb').write(hep3(base + [chunk(15, invite)], magic=b'EEP3'))

v6s = socket.inet_pton(socket.AF_INET6, '2001:db8::10')
v6d = socket.inet_pton(socket.AF_INET6, '2001:db8:0:1::4')
open('hep3-ipv6.bin', 'wb').write(hep3([u8(1, 10), u8(2, 6), chunk(5, v6s), chunk(6, v6d), u16(7, 5061), u16(8, 5062),
                                        u32(9, 1700000001), u32(10, 1), u8(11, 1), u32(12, 7), chunk(15, invite)]))

# Vendor chunks whose type ids collide with generic ones: FreeSWITCH (1) type 1, Kamailio (2) type 0x000f.
open('hep3-vendor.bin', 'wb').write(hep3([chunk(1, b'\x0a', vendor=1)] + base +
                                         [chunk(0x000f, b'not the payload', vendor=2), chunk(0x7777, b'unknown generic'),
                                          chunk(15, invite)]))

open('hep3-gzip.bin', 'wb').write(hep3(base + [chunk(0x10, gzip.compress(invite))]))
open('hep3-zlib.bin', 'wb').write(hep3(base + [chunk(0x10, zlib.compress(invite))]))

# Every generic chunk of rev. 37 with a value, for the field-by-field test.
full = base + [u16(0x0d, 30), chunk(0x0e, b'secret'), chunk(0x11, b'corr-1'), u16(0x12, 100), chunk(0x13, b'node-a'),
               chunk(0x14, bytes.fromhex('0000001122334455')), chunk(0x15, bytes.fromhex('000066778899aabb')),
               u16(0x16, 0x0800), u8(0x17, 0x18), u8(0x18, 0xb8), u16(0x20, 438), u16(0x21, 93), chunk(0x22, b'52.52,13.40'),
               u32(0x23, 12), chunk(0x24, b'call'), chunk(0x25, b'{"k":1}'), chunk(0x26, b'tag-values'), u16(0x27, 3),
               u16(0x28, 1), chunk(0x29, b'group-9'), chunk(0x19, b'reserved'), chunk(15, b'payload')]
open('hep3-all-chunks.bin', 'wb').write(hep3(full))

# HEPv2 as Kamailio/captagent write it: C struct hep_timehdr (12 bytes with padding), x86 byte order.
def hep2(version, family, sport, dport, src, dst, ts=None, captid=None, payload=invite, padded=True):
    hdr = struct.pack('>BBBBHH', version, 16 if family == 2 else 40, family, 17, sport, dport) + src + dst
    if version == 2:
        hdr += struct.pack('<IIH', ts[0], ts[1], captid) + (b'\x00\x00' if padded else b'')
    return hdr + payload

open('hepv2-kamailio.bin', 'wb').write(hep2(2, 2, 5060, 5080, v4, v4d, (1700000000, 250000), 301))
open('hepv2-unpadded.bin', 'wb').write(hep2(2, 2, 5060, 5080, v4, v4d, (1700000000, 250000), 301, padded=False))
open('hepv2-ipv6.bin', 'wb').write(hep2(2, 10, 5060, 5080, v6s, v6d, (1700000000, 250000), 301))
open('hepv1.bin', 'wb').write(hep2(1, 2, 5060, 5080, v4, v4d))
# A big-endian sender (the spec never said which order): the decoder must notice and swap.
be = struct.pack('>BBBBHH', 2, 16, 2, 17, 5060, 5080) + v4 + v4d + struct.pack('>IIH', 1700000000, 250000, 301) + b'\0\0' + invite
open('hepv2-bigendian.bin', 'wb').write(be)

# Broken packets with the error each must produce.
open('bad-declared-too-long.bin', 'wb').write(spec[:-3])
open('bad-chunk-size.bin', 'wb').write(hep3([u8(1, 2), chunk(7, b'\x13\xc4\x00')]))
p = bytearray(hep3([u8(1, 2), chunk(15, b'abc')])); p[-5] = 0x40
open('bad-chunk-overrun.bin', 'wb').write(bytes(p))
open('bad-chunk-truncated.bin', 'wb').write(hep3([u8(1, 2)]) [:4] + struct.pack('>H', 6 + 7 + 3) + u8(1, 2) + b'\0\0\0')
