package com.annoflow.webhookstage.outbound;

import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The SSRF guard: which addresses a webhook may be sent to. Loopback, private (RFC 1918), link-local (cloud metadata at
 * 169.254.169.254 included), CGNAT, multicast, unique-local and reserved addresses are blocked unless
 * {@code webhook.ssrf.allow} names the host or a CIDR that contains the address. Applied to the addresses a name
 * resolves to, at every connection, so a DNS change cannot slip past it.
 */
public final class TargetGuard {

    private static final List<Cidr> BLOCKED = List.of(
            Cidr.parse("0.0.0.0/8"), Cidr.parse("10.0.0.0/8"), Cidr.parse("100.64.0.0/10"), Cidr.parse("127.0.0.0/8"),
            Cidr.parse("169.254.0.0/16"), Cidr.parse("172.16.0.0/12"), Cidr.parse("192.0.0.0/24"),
            Cidr.parse("192.0.2.0/24"), Cidr.parse("192.88.99.0/24"), Cidr.parse("192.168.0.0/16"),
            Cidr.parse("198.18.0.0/15"), Cidr.parse("198.51.100.0/24"), Cidr.parse("203.0.113.0/24"),
            Cidr.parse("224.0.0.0/4"), Cidr.parse("240.0.0.0/4"),
            Cidr.parse("::/128"), Cidr.parse("::1/128"), Cidr.parse("64:ff9b::/96"), Cidr.parse("100::/64"),
            Cidr.parse("2001:db8::/32"), Cidr.parse("fc00::/7"), Cidr.parse("fe80::/10"), Cidr.parse("ff00::/8"));

    private final List<String> allowedHosts = new ArrayList<>();
    private final List<Cidr> allowedRanges = new ArrayList<>();

    /** @param allowList comma-separated host names and CIDRs (a single address is its own /32 or /128) */
    public TargetGuard(String allowList) {
        for (String entry : allowList.split(",")) {
            String item = entry.trim().toLowerCase(Locale.ROOT);
            if (item.isEmpty()) {
                continue;
            }
            if (item.contains("/") || Character.digit(item.charAt(0), 16) >= 0 && (item.contains(":") || item.matches("[0-9.]+"))) {
                allowedRanges.add(Cidr.parse(item.contains("/") ? item : item + (item.contains(":") ? "/128" : "/32")));
            } else {
                allowedHosts.add(item);
            }
        }
    }

    /** Why a connection to {@code address} (reached through {@code host}) is refused, or null when it is allowed. */
    public String refusal(String host, InetAddress address) {
        if (host != null && allowedHosts.contains(host.toLowerCase(Locale.ROOT))) {
            return null;
        }
        InetAddress checked = embeddedIpv4(address);
        for (Cidr range : allowedRanges) {
            if (range.contains(checked)) {
                return null;
            }
        }
        for (Cidr range : BLOCKED) {
            if (range.contains(checked)) {
                return host + " resolves to " + checked.getHostAddress() + ", a " + kind(checked) + " address (" + range
                       + "); webhooks may not reach it unless webhook.ssrf.allow lists the host or a range containing it";
            }
        }
        return null;
    }

    private static String kind(InetAddress a) {
        if (a.isLoopbackAddress()) {
            return "loopback";
        }
        if (a.isLinkLocalAddress()) {
            return "link-local";
        }
        if (a.isSiteLocalAddress()) {
            return "private";
        }
        if (a.isMulticastAddress()) {
            return "multicast";
        }
        return "reserved";
    }

    /** ::ffff:10.0.0.1 and friends are checked as the IPv4 address they carry. */
    private static InetAddress embeddedIpv4(InetAddress address) {
        if (address instanceof Inet6Address) {
            byte[] b = address.getAddress();
            boolean mapped = true;
            for (int i = 0; i < 10; i++) {
                mapped &= b[i] == 0;
            }
            if (mapped && b[10] == (byte) 0xff && b[11] == (byte) 0xff) {
                try {
                    return InetAddress.getByAddress(new byte[] { b[12], b[13], b[14], b[15] });
                } catch (UnknownHostException e) {
                    return address;
                }
            }
        }
        return address;
    }

    /** An address range. */
    record Cidr(BigInteger network, int bits, int length, String text) {

        static Cidr parse(String cidr) {
            String[] parts = cidr.split("/");
            try {
                byte[] address = InetAddress.getByName(parts[0]).getAddress();
                int length = Integer.parseInt(parts[1]);
                int bits = address.length * 8;
                if (length < 0 || length > bits) {
                    throw new IllegalArgumentException("prefix length out of range");
                }
                return new Cidr(new BigInteger(1, address).shiftRight(bits - length), bits, length, cidr);
            } catch (UnknownHostException | RuntimeException e) {
                throw new IllegalArgumentException("webhook.ssrf.allow: '" + cidr + "' is neither a host name nor a CIDR"
                                                   + " such as 10.1.2.0/24 or 127.0.0.1");
            }
        }

        boolean contains(InetAddress address) {
            byte[] bytes = address.getAddress();
            return bytes.length * 8 == bits && new BigInteger(1, bytes).shiftRight(bits - length).equals(network);
        }

        @Override
        public String toString() {
            return text;
        }
    }
}
