#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Send sluice-style encapsulated TCP SYNs to a backend and wait for the
backend kernel's SYN-ACK from the VIP (answered directly: DSR).

usage: decap_e2e.py IFACE BACKEND_MAC KIND[,KIND...] expect|none
KIND: ipip4 ipip6 ip6tnl4 ip6tnl6 gue4_4 gue4_6 gue6_4 gue6_6
(outer family/tunnel, then inner family). Exit 0 when every KIND got its
SYN-ACK ("expect") or none did ("none"); prints one line per KIND.
"""
import random
import sys
import time

from scapy.all import (IP, UDP, AsyncSniffer, Ether, IPv6, Raw, TCP, conf,
                       get_if_hwaddr, sendp)

conf.verb = 0
LB4, BE4, CL4, VIP4 = "198.18.0.1", "198.18.0.2", "198.18.1.1", "198.18.100.1"
LB6, BE6, CL6, VIP6 = "2001:db8::1", "2001:db8::2", "2001:db8:1::1", "2001:db8:100::1"
PORT = 8080


def inner(fam, sport, seq):
    ip = IP(src=CL4, dst=VIP4) if fam == "4" else IPv6(src=CL6, dst=VIP6)
    return ip / TCP(sport=sport, dport=PORT, flags="S", seq=seq)


def frame(kind, src_mac, dst_mac, sport, seq):
    tun, fam = kind.rstrip("46"), kind[-1]
    pkt = inner(fam, sport, seq)
    proto = 4 if fam == "4" else 41
    if tun == "ipip":
        outer = IP(src=LB4, dst=BE4, proto=proto)
    elif tun == "ip6tnl":
        outer = IPv6(src=LB6, dst=BE6, nh=proto)
    else:  # gue4_ / gue6_: GUE variant 0 header: ver/C/hlen = 0, proto, flags 0
        ip = IP(src=LB4, dst=BE4) if tun == "gue4_" else IPv6(src=LB6, dst=BE6)
        outer = ip / UDP(sport=random.randint(32768, 60999), dport=6080) / Raw(bytes([0, proto, 0, 0]))
    return Ether(src=src_mac, dst=dst_mac) / outer / pkt


def main():
    iface, be_mac, kinds, want = sys.argv[1], sys.argv[2], sys.argv[3].split(","), sys.argv[4]
    src_mac = get_if_hwaddr(iface)
    sent = {}
    for i, kind in enumerate(kinds):
        sent[40000 + i] = (kind, random.randint(1, 2**31))

    def is_answer(p):
        return (TCP in p and p[TCP].sport == PORT and p[TCP].dport in sent
                and (p[TCP].flags & 0x12) == 0x12
                and p[TCP].ack == sent[p[TCP].dport][1] + 1
                and ((IP in p and p[IP].src == VIP4) or (IPv6 in p and p[IPv6].src == VIP6)))

    sniffer = AsyncSniffer(iface=iface, lfilter=is_answer, store=True)
    sniffer.start()
    time.sleep(0.5)
    for sport, (kind, seq) in sent.items():
        sendp(frame(kind, src_mac, be_mac, sport, seq), iface=iface)
    deadline = time.time() + 3
    while time.time() < deadline and len({p[TCP].dport for p in sniffer.results or []}) < len(sent):
        time.sleep(0.1)
    answered = {p[TCP].dport for p in sniffer.stop()}
    ok = True
    for sport, (kind, _) in sent.items():
        got = sport in answered
        print(f"{kind}: {'SYN-ACK from VIP' if got else 'no answer'}")
        ok &= got if want == "expect" else not got
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
