package io.spikestream.ingest.bridge;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which senders a UDP bridge accepts datagrams from: a list of addresses and CIDR blocks ({@code 10.1.2.3},
 * {@code 192.168.7.0/24}, {@code ::1}, {@code fd00::/8}). UDP sources are trivially spoofed on a shared network, so this
 * is no authentication, but it keeps stray or misdirected senders (another camera, a scanner, a test script on the
 * wrong port) out of a sensor's stream; datagrams from elsewhere are dropped and counted. {@link #ANY} accepts all.
 *
 * <p>Immutable; threadsafe. {@link #allows} allocates nothing beyond the address bytes the JDK hands out.
 */
public final class SourceAllowList {

    /** Accepts every sender. */
    public static final SourceAllowList ANY = new SourceAllowList(List.of());

    private record Block(byte[] network, int prefixBits, String text) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefixBits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefixBits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    private final List<Block> blocks;

    private SourceAllowList(List<Block> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    /**
     * Parses addresses and CIDR blocks (literal IPs only: no host names, which would need a DNS lookup).
     *
     * @throws IllegalArgumentException naming the entry that is not an IP address or block
     */
    public static SourceAllowList parse(List<String> entries) {
        List<Block> blocks = new ArrayList<>();
        for (String raw : entries) {
            for (String entry : raw.split(",")) {
                String e = entry.strip();
                if (e.isEmpty()) {
                    continue;
                }
                int slash = e.indexOf('/');
                String host = slash < 0 ? e : e.substring(0, slash);
                if (!host.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
                    throw new IllegalArgumentException("allowed source '" + e + "' is not an IP address or CIDR block");
                }
                byte[] network;
                try {
                    network = InetAddress.getByName(host).getAddress();
                } catch (UnknownHostException ex) {
                    throw new IllegalArgumentException("allowed source '" + e + "' is not an IP address or CIDR block");
                }
                int bits = network.length * 8;
                if (slash >= 0) {
                    try {
                        bits = Integer.parseInt(e.substring(slash + 1));
                    } catch (NumberFormatException ex) {
                        bits = -1;
                    }
                    if (bits < 0 || bits > network.length * 8) {
                        throw new IllegalArgumentException("allowed source '" + e + "': prefix must be 0.." + network.length * 8);
                    }
                }
                blocks.add(new Block(network, bits, e));
            }
        }
        return blocks.isEmpty() ? ANY : new SourceAllowList(blocks);
    }

    public boolean acceptsAny() {
        return blocks.isEmpty();
    }

    public boolean allows(InetAddress sender) {
        if (blocks.isEmpty()) {
            return true;
        }
        byte[] address = sender.getAddress();
        for (Block b : blocks) {
            if (b.contains(address)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return blocks.isEmpty() ? "any" : String.join(",", blocks.stream().map(Block::text).toList());
    }
}
