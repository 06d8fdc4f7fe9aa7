#!/usr/bin/env python3
"""Writes a pcap of N SIP-over-UDP Ethernet frames (7-message calls: INVITE with SDP, 100, 180, 200 with SDP, ACK, BYE,
200) for the homer-agent replay benchmark. Usage: make-bench-pcap.py OUT.pcap [N]"""
import struct, sys

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000

SDP = ("v=0\r\no=user1 53655765 2353687637 IN IP4 10.0.0.{a}\r\ns=-\r\nc=IN IP4 10.0.0.{a}\r\nt=0 0\r\n"
       "m=audio {port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
       "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n")

def msg(start, call, cseq, method, via_branch, sdp=""):
    return (f"{start}\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK{via_branch}\r\n"
            f"From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\nTo: <sip:bob@example.com>;tag=a6c85cf\r\n"
            f"Call-ID: {call}\r\nCSeq: {cseq} {method}\r\nContact: <sip:alice@10.0.0.1:5060>\r\n"
            f"Max-Forwards: 70\r\nUser-Agent: bench/1.0\r\nContent-Type: application/sdp\r\n"
            f"Content-Length: {len(sdp)}\r\n\r\n{sdp}").encode()

def call_messages(i):
    call = f"{i:08x}-bench@10.0.0.1"
    sdp_a = SDP.format(a=1, port=10000 + (i % 20000) * 2)
    sdp_b = SDP.format(a=2, port=30000 + (i % 10000) * 2)
    return [
        (True, msg("INVITE sip:bob@example.com SIP/2.0", call, 1, "INVITE", i, sdp_a)),
        (False, msg("SIP/2.0 100 Trying", call, 1, "INVITE", i)),
        (False, msg("SIP/2.0 180 Ringing", call, 1, "INVITE", i)),
        (False, msg("SIP/2.0 200 OK", call, 1, "INVITE", i, sdp_b)),
        (True, msg("ACK sip:bob@10.0.0.2 SIP/2.0", call, 1, "ACK", f"{i}a")),
        (True, msg("BYE sip:bob@10.0.0.2 SIP/2.0", call, 2, "BYE", f"{i}b")),
        (False, msg("SIP/2.0 200 OK", call, 2, "BYE", f"{i}b")),
    ]

def frame(forward, payload):
    src, dst = (b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02") if forward else (b"\x0a\x00\x00\x02", b"\x0a\x00\x00\x01")
    udp = struct.pack("!HHHH", 5060, 5060, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst) + udp
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip

with open(out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    written, call, t = 0, 0, 1_700_000_000_000_000
    while written < n:
        for forward, payload in call_messages(call):
            if written == n:
                break
            data = frame(forward, payload)
            f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(data), len(data)) + data)
            written += 1
            t += 50
        call += 1
