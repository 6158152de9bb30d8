package io.spikestream.ingest.format;

import java.util.Arrays;
import net.jpountz.lz4.LZ4Exception;
import net.jpountz.lz4.LZ4Factory;
import net.jpountz.lz4.LZ4SafeDecompressor;
import net.jpountz.xxhash.XXHash32;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Fast path for the LZ4 frames of AEDAT 4 packets: walks the frame container (magic, FLG/BD descriptor, optional
 * content size, blocks, end mark, optional content checksum; LZ4 frame format 1.6) and hands every compressed block
 * to lz4-java's pure-Java block decompressor, writing into one reused buffer.
 *
 * <p>lz4-java cannot decode a block that refers back into the previous block (frames with linked blocks, DV's
 * default); such a frame, or anything this path does not understand, returns {@link #UNSUPPORTED} and the caller
 * falls back to commons-compress, which also produces the error message for corrupt input. Packets of one block
 * (DV's usual: up to 64 KiB decompressed) never need the fallback. Not threadsafe.
 */
final class Lz4FrameDecoder {

    static final int UNSUPPORTED = -1;
    private static final int MAGIC = 0x184D2204;

    private final LZ4SafeDecompressor blocks = LZ4Factory.safeInstance().safeDecompressor();
    private final XXHash32 xxhash = XXHashFactory.safeInstance().hash32();
    private byte[] out = new byte[1 << 16];

    byte[] buffer() {
        return out;
    }

    /** Decompresses {@code src[0, len)}; returns the length in {@link #buffer()} or {@link #UNSUPPORTED}. */
    int decompress(byte[] src, int len, int maxBytes) {
        if (len < 7 || intLe(src, 0) != MAGIC) {
            return UNSUPPORTED;
        }
        int flg = src[4] & 0xFF;
        int bd = src[5] & 0xFF;
        if ((flg >>> 6) != 1 || (flg & 0x03) != 0 || (bd & 0x8F) != 0 || ((bd >>> 4) & 7) < 4) {
            return UNSUPPORTED; // other versions, dictionaries, reserved bits: let the full reader judge
        }
        boolean blockChecksum = (flg & 0x10) != 0;
        boolean contentSize = (flg & 0x08) != 0;
        boolean contentChecksum = (flg & 0x04) != 0;
        int blockMax = 1 << (8 + 2 * ((bd >>> 4) & 7));
        int p = 6 + (contentSize ? 8 : 0) + 1; // descriptor, content size, header checksum
        if (((xxhash.hash(src, 4, p - 5, 0) >>> 8) & 0xFF) != (src[p - 1] & 0xFF)) {
            return UNSUPPORTED;
        }
        int n = 0;
        int blockCount = 0;
        while (true) {
            if (p + 4 > len) {
                return UNSUPPORTED;
            }
            int word = intLe(src, p);
            p += 4;
            if (word == 0) {
                break;
            }
            int size = word & 0x7FFF_FFFF;
            if (size > blockMax || size > len - p || (long) n + blockMax > maxBytes) {
                return UNSUPPORTED;
            }
            if (n + blockMax > out.length) {
                out = Arrays.copyOf(out, Math.min(maxBytes, Math.max(out.length * 2, n + blockMax)));
            }
            if (blockChecksum && (p + size + 4 > len || xxhash.hash(src, p, size, 0) != intLe(src, p + size))) {
                return UNSUPPORTED;
            }
            if (word < 0) {
                System.arraycopy(src, p, out, n, size); // stored uncompressed
                n += size;
            } else {
                try {
                    n += blocks.decompress(src, p, size, out, n, blockMax);
                } catch (LZ4Exception e) {
                    return UNSUPPORTED; // a reference into the previous block, or corrupt data
                }
            }
            blockCount++;
            p += size + (blockChecksum ? 4 : 0);
        }
        if (contentChecksum) {
            if (p + 4 > len || xxhash.hash(out, 0, n, 0) != intLe(src, p)) {
                return UNSUPPORTED;
            }
            p += 4;
        }
        return p == len && blockCount > 0 ? n : UNSUPPORTED;
    }

    private static int intLe(byte[] b, int p) {
        return (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 | (b[p + 2] & 0xFF) << 16 | (b[p + 3] & 0xFF) << 24;
    }
}
