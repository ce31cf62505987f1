#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Cross-check the encap/ICMP builders with a second, unrelated decoder (scapy).

Runs the test_encap binary given as argv[1] with SL_ENCAP_PCAP set, so it
writes every frame it built to a pcap, then decodes each frame with scapy and
checks outer and inner headers, lengths and checksums with scapy's own
checksum code. Exit 0 on success, 1 on a mismatch, 77 (skip) without scapy.
"""
import os
import subprocess
import sys
import tempfile

try:
    from scapy.all import (ICMP, IP, UDP, Dot1Q, Ether, ICMPv6EchoReply,
                           ICMPv6PacketTooBig, IPv6, checksum, in6_chksum,
                           rdpcap)
except ImportError:
    print("scapy not available: skipping")
    sys.exit(77)

GUE_PORTS = (6080, 19523)
# What test_encap.c puts in sl_encap_params and its hand-made packets.
OUTER_TTL = 37
FLOW_LABEL = 0x9abcdef1 & 0xfffff
LB4, BACKEND4 = "198.19.0.1", "198.19.0.77"
LB6, BACKEND6 = "2001:db8:3::1", "2001:db8:3::4d"
CLIENT4, VIP4 = "198.18.1.10", "198.18.2.1"
CLIENT6, VIP6 = "2001:db8:1::10", "2001:db8:2::1"
VLAN_TCI = 0x2064
MAC_CLIENT, MAC_LB, MAC_NEXT = "02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03"
# Which way a frame goes decides its MACs: tunnels to the next hop, replies to the client.
TOWARDS_BACKEND = {"ipip", "ip6tnl", "gue4", "gue6", "l2dsr"}

failures = []
seen = {}


def check(cond, what, idx):
    if not cond:
        failures.append(f"frame {idx}: {what}")


last_kind = [None]


def count(kind):
    seen[kind] = seen.get(kind, 0) + 1
    last_kind[0] = kind


def l3_offset(pkt):
    return 18 if pkt.haslayer(Dot1Q) else 14


def check_inner(inner, idx):
    """The hand-made client packet behind a tunnel: must arrive intact."""
    if inner[0] >> 4 == 4:
        ip = IP(inner)
        check(ip.len == len(inner), "inner IPv4 length", idx)
        check(checksum(inner[:20]) == 0, "inner IPv4 checksum", idx)
        check(ip.haslayer(UDP) and (ip.src, ip.dst, ip[UDP].sport, ip[UDP].dport) ==
              (CLIENT4, VIP4, 40000, 53), "inner IPv4 flow", idx)
        check(all(inner[i] == (i * 7 + 3) & 0xff for i in range(28, len(inner))),
              "inner IPv4 payload", idx)
        return ip.tos
    ip = IPv6(inner)
    check(ip.plen + 40 == len(inner), "inner IPv6 length", idx)
    check(ip.haslayer(UDP) and (ip.src, ip.dst, ip[UDP].sport, ip[UDP].dport) ==
          (CLIENT6, VIP6, 40000, 443), "inner IPv6 flow", idx)
    check(all(inner[i] == (i * 13 + 1) & 0xff for i in range(48, len(inner))),
          "inner IPv6 payload", idx)
    return ip.tc


def check_v6_outer(ip6, idx):
    check(ip6.hlim == OUTER_TTL, "outer hop limit", idx)
    check(ip6.fl == FLOW_LABEL, "outer flow label from entropy", idx)
    check((ip6.src, ip6.dst) == (LB6, BACKEND6), "outer IPv6 addresses", idx)


def check_v4_outer(raw, l3, idx):
    ip = Ether(raw)[IP]
    check(checksum(raw[l3:l3 + 20]) == 0, "outer IPv4 header checksum", idx)
    check(ip.len == len(raw) - l3, "outer IPv4 total length", idx)
    check(ip.flags == "DF" and ip.frag == 0 and ip.id == 0, "outer DF, ID 0", idx)
    check(ip.ttl == OUTER_TTL, "outer TTL", idx)
    check((ip.src, ip.dst) == (LB4, BACKEND4), "outer IPv4 addresses", idx)
    return ip


def check_frame(raw, idx):
    pkt = Ether(raw)
    l3 = l3_offset(pkt)
    if pkt.haslayer(Dot1Q):
        check(pkt[Dot1Q].vlan | pkt[Dot1Q].prio << 13 == VLAN_TCI, "VLAN tag kept", idx)

    if pkt.haslayer(IP) and pkt[IP].proto == 4 and not pkt.haslayer(ICMP):
        ip = check_v4_outer(raw, l3, idx)
        tos = check_inner(raw[l3 + 20:], idx)
        check(ip.tos == tos, "IPIP TOS copied", idx)
        count("ipip")
    elif pkt.haslayer(IPv6) and pkt[IPv6].nh in (4, 41):
        ip6 = pkt[IPv6]
        inner = raw[l3 + 40:]
        check(ip6.plen == len(inner), "IP6TNL payload length", idx)
        check_v6_outer(ip6, idx)
        check((inner[0] >> 4) == (4 if ip6.nh == 4 else 6), "IP6TNL next header", idx)
        check(ip6.tc == check_inner(inner, idx), "IP6TNL traffic class copied", idx)
        count("ip6tnl")
    elif pkt.haslayer(UDP) and pkt[UDP].dport in GUE_PORTS:
        udp_off = l3 + (20 if pkt.haslayer(IP) and pkt[IP].proto == 17 else 40)
        udp = raw[udp_off:]
        sport, _, ulen, csum = (int.from_bytes(udp[i:i + 2], "big") for i in (0, 2, 4, 6))
        check(49152 <= sport <= 65535, "GUE source port in ephemeral range", idx)
        check(ulen == len(udp), "GUE UDP length", idx)
        gue = udp[8:12]
        check(gue[0] == 0 and gue[2:] == b"\0\0", "GUE variant 0, no flags", idx)
        inner = udp[12:]
        check(gue[1] == (4 if inner[0] >> 4 == 4 else 41), "GUE proto field", idx)
        tos = check_inner(inner, idx)
        if udp_off == l3 + 20:
            ip = check_v4_outer(raw, l3, idx)
            check(ip.tos == tos, "GUE/IPv4 TOS copied", idx)
            check(csum == 0, "GUE/IPv4 UDP checksum 0", idx)
            count("gue4")
        else:
            ip6 = pkt[IPv6]
            check(ip6.tc == tos, "GUE/IPv6 traffic class copied", idx)
            check_v6_outer(ip6, idx)
            check(csum != 0 and in6_chksum(17, ip6, udp) == 0, "GUE/IPv6 UDP checksum", idx)
            count("gue6")
    elif pkt.haslayer(ICMP) and pkt[ICMP].type == 0:
        ip = pkt[IP]
        ihl = ip.ihl * 4
        check(checksum(raw[l3:l3 + ihl]) == 0, "echo reply IPv4 checksum", idx)
        check(checksum(raw[l3 + ihl:l3 + ip.len]) == 0, "echo reply ICMP checksum", idx)
        check(ip.ttl == 64 and (ip.src, ip.dst) == (VIP4, CLIENT4), "echo reply TTL/addresses", idx)
        count("echo4")
    elif pkt.haslayer(ICMPv6EchoReply):
        ip6 = pkt[IPv6]
        # The ICMPv6 header may sit behind extension headers: find it from the end.
        icmp_len = len(bytes(pkt[ICMPv6EchoReply]))
        end = l3 + 40 + ip6.plen
        check(in6_chksum(58, ip6, raw[end - icmp_len:end]) == 0, "echo reply ICMPv6 checksum", idx)
        check(ip6.hlim == 64 and (ip6.src, ip6.dst) == (VIP6, CLIENT6), "echo reply hop limit/addresses", idx)
        check(ip6.tc == 0 and ip6.fl == 0, "echo reply keeps the request's tc/flow label", idx)
        count("echo6")
    elif pkt.haslayer(ICMP) and pkt[ICMP].type == 3 and pkt[ICMP].code == 4:
        ip = pkt[IP]
        check(checksum(raw[l3:l3 + 20]) == 0, "frag-needed IPv4 checksum", idx)
        check(checksum(raw[l3 + 20:l3 + ip.len]) == 0, "frag-needed ICMP checksum", idx)
        check(ip.len <= 576, "frag-needed within 576 bytes", idx)
        check(pkt[ICMP].nexthopmtu in (1434, 1400, 68), "frag-needed MTU", idx)
        quoted = raw[l3 + 28:l3 + ip.len]
        check(IP(quoted[:20]).src == CLIENT4 == ip.dst and ip.src == LB4, "addresses and quote", idx)
        count("fragneeded")
    elif pkt.haslayer(ICMPv6PacketTooBig):
        ip6 = pkt[IPv6]
        check(in6_chksum(58, ip6, raw[l3 + 40:l3 + 40 + ip6.plen]) == 0, "PTB ICMPv6 checksum", idx)
        check(40 + ip6.plen <= 1280, "PTB within 1280 bytes", idx)
        check(pkt[ICMPv6PacketTooBig].mtu == 1434, "PTB MTU", idx)
        quoted = raw[l3 + 48:l3 + 40 + ip6.plen]
        check(IPv6(quoted[:40]).src == CLIENT6 == ip6.dst and ip6.src == LB6, "addresses and quote", idx)
        check(ip6.tc == 0 and ip6.fl == 0 and ip6.hlim == 64, "PTB tc/flow label/hop limit", idx)
        count("ptb")
    elif (pkt.haslayer(IP) or pkt.haslayer(IPv6)) and pkt.haslayer(UDP):
        # L2 DSR: the client's packet, untouched, behind the backend's MAC.
        check_inner(raw[l3:], idx)
        count("l2dsr")
    else:
        failures.append(f"frame {idx}: unrecognised {pkt.summary()}")
        return
    kind = last_kind[0]
    want = (MAC_NEXT, MAC_LB) if kind in TOWARDS_BACKEND else (MAC_CLIENT, MAC_LB)
    check((pkt.dst, pkt.src) == want, f"{kind} MAC addresses", idx)


def main():
    if len(sys.argv) != 2:
        print("usage: encap_check.py path/to/test_encap", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "encap.pcap")
        env = dict(os.environ, SL_ENCAP_PCAP=path)
        run = subprocess.run([sys.argv[1]], env=env, stdout=subprocess.DEVNULL, timeout=50)
        if run.returncode != 0:
            print(f"test_encap failed ({run.returncode})")
            return 1
        frames = rdpcap(path)
    for idx, frame in enumerate(frames):
        check_frame(bytes(frame), idx)
    # Every kind of frame must actually have been produced and decoded.
    for kind in ("ipip", "ip6tnl", "gue4", "gue6", "l2dsr", "echo4", "echo6", "fragneeded", "ptb"):
        if not seen.get(kind):
            failures.append(f"no {kind} frame decoded")
    for f in failures:
        print("FAIL", f)
    print(f"{len(frames)} frames decoded: {seen}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
