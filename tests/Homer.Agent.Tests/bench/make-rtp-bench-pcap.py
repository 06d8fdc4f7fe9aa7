#!/usr/bin/env python3
"""Writes a pcap of mixed SIP and RTP over UDP (Ethernet) for the homer-agent RTP analysis benchmark: calls of
--seconds of media (two PCMU streams of 50 packets/s each, 1 % of packets missing) with about --concurrent calls up
at once; each call is INVITE and 200 with SDP, 100, 180, ACK, then the media, then BYE, 200.
Usage: make-rtp-bench-pcap.py OUT.pcap [N packets, default 1 000 000] [--concurrent 100] [--seconds 5]
Prints the RTP share of the packets written."""
import argparse, random, struct

p = argparse.ArgumentParser()
p.add_argument("out")
p.add_argument("n", nargs="?", type=int, default=1_000_000)
p.add_argument("--concurrent", type=int, default=100)
p.add_argument("--seconds", type=int, default=5)
a = p.parse_args()

SDP = ("v=0\r\no=user1 53655765 2353687637 IN IP4 10.0.0.{a}\r\ns=-\r\nc=IN IP4 10.0.0.{a}\r\nt=0 0\r\n"
       "m=audio {port} RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
       "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n")

def sip(start, call, cseq, method, branch, sdp=""):
    return (f"{start}\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK{branch}\r\n"
            f"From: \"Alice\" <sip:alice@example.com>;tag=1928301774\r\nTo: <sip:bob@example.com>;tag=a6c85cf\r\n"
            f"Call-ID: {call}\r\nCSeq: {cseq} {method}\r\nContact: <sip:alice@10.0.0.1:5060>\r\n"
            f"Max-Forwards: 70\r\nUser-Agent: bench/1.0\r\nContent-Type: application/sdp\r\n"
            f"Content-Length: {len(sdp)}\r\n\r\n{sdp}").encode()

def frame(src, sport, dst, dport, payload):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src, dst) + udp
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + ip

A, B = b"\x0a\x00\x00\x01", b"\x0a\x00\x00\x02"
AUDIO = b"\xff" * 160
rng = random.Random(1)
ticks = a.seconds * 50
written = rtp = 0
t = 1_700_000_000_000_000

with open(a.out, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))

    def put(data):
        global written
        f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(data), len(data)) + data)
        written += 1

    calls, next_id = [], 0
    while written < a.n:
        # Keep about --concurrent calls up: start calls spread over the call length.
        while len(calls) < a.concurrent and (not calls or len(calls) < a.concurrent * (1 + (t // 20_000) % ticks) / ticks + 1):
            i = next_id
            next_id += 1
            cid = f"{i:08x}-rtpbench@10.0.0.1"
            pa, pb = 10000 + (i % 20000) * 2, 30000 + (i % 10000) * 2
            for fwd, m in [(True, sip("INVITE sip:bob@example.com SIP/2.0", cid, 1, "INVITE", i, SDP.format(a=1, port=pa))),
                           (False, sip("SIP/2.0 100 Trying", cid, 1, "INVITE", i)),
                           (False, sip("SIP/2.0 180 Ringing", cid, 1, "INVITE", i)),
                           (False, sip("SIP/2.0 200 OK", cid, 1, "INVITE", i, SDP.format(a=2, port=pb))),
                           (True, sip("ACK sip:bob@10.0.0.2 SIP/2.0", cid, 1, "ACK", f"{i}a"))]:
                put(frame(A, 5060, B, 5060, m) if fwd else frame(B, 5060, A, 5060, m))
            calls.append([i, cid, pa, pb, 0, rng.randrange(1 << 32), rng.randrange(1 << 32)])
        for c in list(calls):
            i, cid, pa, pb, k, s1, s2 = c
            for src, sp, dst, dp, ssrc in ((A, pa, B, pb, s1), (B, pb, A, pa, s2)):
                if rng.random() < 0.01:
                    continue
                hdr = struct.pack("!BBHII", 0x80, 0, k & 0xffff, (k * 160) & 0xffffffff, ssrc)
                put(frame(src, sp, dst, dp, hdr + AUDIO))
                rtp += 1
            c[4] = k + 1
            if c[4] == ticks:
                put(frame(A, 5060, B, 5060, sip("BYE sip:bob@10.0.0.2 SIP/2.0", cid, 2, "BYE", f"{i}b")))
                put(frame(B, 5060, A, 5060, sip("SIP/2.0 200 OK", cid, 2, "BYE", f"{i}b")))
                calls.remove(c)
        t += 20_000

print(f"{written} packets, {rtp} RTP ({100.0 * rtp / written:.1f} %), {next_id} calls")
