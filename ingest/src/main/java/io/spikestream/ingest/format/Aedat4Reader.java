package io.spikestream.ingest.format;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.apache.commons.compress.compressors.lz4.FramedLZ4CompressorInputStream;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Decoder of iniVation DV AEDAT 4.0 {@code .aedat4} recordings, event stream only:
 *
 * <pre>
 *   "#!AER-DAT4.0\r\n"
 *   int32 size, IOHeader flatbuffer (compression, dataTablePosition, infoNode = XML description of the streams)
 *   packets until dataTablePosition (or the end): int32 streamId, int32 size, size bytes of a compressed
 *                                                 size-prefixed flatbuffer
 *   FileDataTable (ignored)
 * </pre>
 *
 * The XML names each stream's type; packets of the first stream whose {@code typeIdentifier} is {@code EVTS} are
 * decompressed (LZ4 frame or Zstd, per the IOHeader: lz4-java blocks, commons-compress for
 * frames of linked blocks, zstd-jni) and their {@code Event} structs
 * read; frames, IMU and trigger packets are skipped unread. Geometry comes from the event stream's
 * {@code sizeX}/{@code sizeY}. Timestamps are microseconds since the Unix epoch, as recorded.
 *
 * <p>Memory: one compressed and one decompressed packet buffer, reused, each capped at
 * {@link DecodeOptions#maxPacketBytes()}; a packet length beyond the cap or beyond the end of the file is a
 * {@link DecodeException} before anything is allocated. Errors inside a packet name the offset of its packet header.
 * Not threadsafe.
 */
final class Aedat4Reader extends StreamReader {

    static final SensorGeometry DEFAULT_GEOMETRY = new SensorGeometry(346, 260);
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_LE =
        MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private final int compression;
    private final long dataEnd;
    private final int eventStream;
    private final int maxPacketBytes;
    private final int width;
    private final int height;

    private byte[] compressed = new byte[0];
    private byte[] packet = new byte[0];
    private ZstdDecompressCtx zstd;
    private Lz4FrameDecoder lz4;

    /** Current event packet: next struct's byte index, end index, and the packet header's file offset. */
    private int eventPos;
    private int eventEnd;
    private long packetOffset;

    private Aedat4Reader(ByteSource src, Stream stream, int compression, long dataEnd, DecodeOptions options) {
        super(src, stream.geometry, options);
        this.compression = compression;
        this.dataEnd = dataEnd;
        this.eventStream = stream.id;
        this.maxPacketBytes = options.maxPacketBytes();
        this.width = geometry.width();
        this.height = geometry.height();
    }

    /** The event stream the XML describes: its id (-1 when there is none) and sensor size. */
    private record Stream(int id, SensorGeometry geometry) {
    }

    static Aedat4Reader open(ByteSource src, DecodeOptions options) throws IOException {
        byte[] version = Aedat4Layout.VERSION_LINE.getBytes(StandardCharsets.ISO_8859_1);
        if (!src.ensure(version.length + 4)
            || !Arrays.equals(src.buf, src.pos, src.pos + version.length, version, 0, version.length)) {
            throw new DecodeException(src.name, 0, "missing '#!AER-DAT4.0' version line");
        }
        src.pos += version.length;
        long headerAt = src.offset();
        int size = ByteBuffer.wrap(src.buf, src.pos, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        long remaining = src.remaining();
        if (size < 8 || size > options.maxPacketBytes() || (remaining >= 0 && size > remaining - 4)) {
            throw new DecodeException(src.name, headerAt, "bad IOHeader size " + size);
        }
        byte[] header = new byte[size + 4];
        if (src.read(header, 0, header.length) != header.length) {
            throw new DecodeException(src.name, headerAt, "truncated IOHeader");
        }
        int compression;
        long dataTable;
        String info;
        try {
            ByteBuffer bb = ByteBuffer.wrap(header);
            Aedat4Layout.IoHeader io = Aedat4Layout.IoHeader.of(bb, 0);
            compression = io.compression();
            dataTable = io.dataTablePosition();
            info = io.infoNode();
        } catch (IndexOutOfBoundsException | IllegalArgumentException | BufferUnderflowException e) {
            throw new DecodeException(src.name, headerAt, "corrupt IOHeader flatbuffer: " + e, e);
        }
        if (compression < Aedat4Layout.NONE || compression > Aedat4Layout.ZSTD_HIGH) {
            throw new DecodeException(src.name, headerAt, "unknown compression type " + compression);
        }
        long dataStart = src.offset();
        if (dataTable != -1 && dataTable < dataStart) {
            throw new DecodeException(src.name, headerAt, "dataTablePosition " + dataTable + " inside the header");
        }
        // a data table beyond the end of the file means the file was truncated: packets are decoded up to the
        // break, which is then reported where it is
        Stream stream = eventStream(src.name, headerAt, info, options);
        return new Aedat4Reader(src, stream, compression, dataTable, options);
    }

    @Override
    public EventFormat format() {
        return EventFormat.AEDAT4;
    }

    @Override
    public int read(EventBatch batch) throws IOException {
        batch.clear();
        final int[] xs = batch.x;
        final int[] ys = batch.y;
        final byte[] ps = batch.polarity;
        final long[] ts = batch.timestampUs;
        final int cap = batch.capacity();
        final int w = width;
        final int h = height;
        int n = 0;
        while (n < cap) {
            if (eventPos == eventEnd) {
                if (!nextEventPacket()) {
                    break;
                }
                continue;
            }
            final byte[] b = packet;
            int p = eventPos;
            final int end = Math.min(eventEnd, p + (cap - n) * Aedat4Layout.EVENT_BYTES);
            while (p < end) {
                int x = (short) SHORT_LE.get(b, p + Aedat4Layout.EVENT_X);
                int y = (short) SHORT_LE.get(b, p + Aedat4Layout.EVENT_Y);
                if (x >= 0 && x < w && y >= 0 && y < h) {
                    xs[n] = x;
                    ys[n] = y;
                    ps[n] = b[p + Aedat4Layout.EVENT_POLARITY] != 0 ? (byte) 1 : (byte) 0;
                    ts[n] = (long) LONG_LE.get(b, p + Aedat4Layout.EVENT_TIMESTAMP);
                    n++;
                } else {
                    eventPos = p + Aedat4Layout.EVENT_BYTES;
                    outside(packetOffset, x, y);
                }
                p += Aedat4Layout.EVENT_BYTES;
            }
            eventPos = p;
        }
        batch.size = n;
        return n == 0 ? -1 : n;
    }

    /** Reads packet headers, skipping other streams, until an event packet with events is decoded. */
    private boolean nextEventPacket() throws IOException {
        while (true) {
            long at = src.offset();
            if (dataEnd >= 0 && at >= dataEnd) {
                return false;
            }
            if (!src.ensure(Aedat4Layout.PACKET_HEADER_BYTES)) {
                if (src.available() > 0) {
                    throw error(at, "truncated packet header: " + src.available() + " of 8 bytes");
                }
                if (dataEnd >= 0) {
                    throw error(at, "file ends before its data table at byte " + dataEnd + " (truncated)");
                }
                return false;
            }
            ByteBuffer head = ByteBuffer.wrap(src.buf, src.pos, 8).order(ByteOrder.LITTLE_ENDIAN);
            int streamId = head.getInt();
            int size = head.getInt();
            long limit = dataEnd >= 0 && (src.size() < 0 || dataEnd <= src.size()) ? dataEnd : src.size();
            long left = limit >= 0 ? limit - at - Aedat4Layout.PACKET_HEADER_BYTES : Long.MAX_VALUE;
            if (size < 0 || size > left) {
                throw error(at, "packet of " + size + " bytes runs past the end of the data (" + left + " left)");
            }
            src.pos += Aedat4Layout.PACKET_HEADER_BYTES;
            if (streamId != eventStream) {
                if (src.skip(size) != size) {
                    throw error(at, "truncated packet of stream " + streamId);
                }
                continue;
            }
            if (size > maxPacketBytes) {
                throw error(at, "packet of " + size + " bytes exceeds the " + maxPacketBytes + "-byte limit");
            }
            if (compressed.length < size) {
                compressed = new byte[Math.max(size, Math.min(maxPacketBytes, compressed.length * 2))];
            }
            if (src.read(compressed, 0, size) != size) {
                throw error(at, "truncated packet of " + size + " bytes");
            }
            packetOffset = at;
            int length = decompress(at, size);
            locateEvents(at, length);
            if (eventPos < eventEnd) {
                return true;
            }
        }
    }

    /** Decompresses {@code compressed[0, size)} into {@code packet}; returns the decompressed length. */
    private int decompress(long at, int size) throws DecodeException {
        try {
            return switch (compression) {
                case Aedat4Layout.NONE -> {
                    ensurePacket(size);
                    System.arraycopy(compressed, 0, packet, 0, size);
                    yield size;
                }
                case Aedat4Layout.LZ4, Aedat4Layout.LZ4_HIGH -> lz4(at, size);
                default -> zstd(at, size);
            };
        } catch (DecodeException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // the codecs signal corrupt input with IOExceptions and RuntimeExceptions (ZstdException,
            // IllegalArgumentException, IndexOutOfBounds...): all mean the same thing here
            throw new DecodeException(src.name, at, "corrupt compressed packet: " + e, e);
        }
    }

    private int lz4(long at, int size) throws IOException {
        if (lz4 == null) {
            lz4 = new Lz4FrameDecoder();
        }
        int n = lz4.decompress(compressed, size, maxPacketBytes);
        if (n >= 0) {
            byte[] out = lz4.buffer();
            ensurePacket(n);
            System.arraycopy(out, 0, packet, 0, n);
            return n;
        }
        return drain(at, new FramedLZ4CompressorInputStream(new ByteArrayInputStream(compressed, 0, size)));
    }

    private int zstd(long at, int size) throws IOException {
        long content = Zstd.getFrameContentSize(compressed, 0, size);
        if (content >= 0) {
            if (content > maxPacketBytes) {
                throw error(at, "packet decompresses to " + content + " bytes, over the " + maxPacketBytes
                    + "-byte limit");
            }
            ensurePacket((int) content);
            if (zstd == null) {
                zstd = new ZstdDecompressCtx();
            }
            int got = zstd.decompressByteArray(packet, 0, (int) content, compressed, 0, size);
            if (got != content) {
                throw error(at, "Zstd frame declared " + content + " bytes but held " + got);
            }
            return got;
        }
        // frames written by a streaming compressor carry no content size: inflate under the same cap
        return drain(at, new ZstdInputStreamNoFinalizer(new ByteArrayInputStream(compressed, 0, size)));
    }

    private int drain(long at, InputStream in) throws IOException {
        try (in) {
            int len = 0;
            while (true) {
                if (len == packet.length) {
                    if (len >= maxPacketBytes) {
                        if (in.read() < 0) {
                            return len;
                        }
                        throw error(at, "packet decompresses to over " + maxPacketBytes + " bytes");
                    }
                    packet = Arrays.copyOf(packet, (int) Math.min(maxPacketBytes, Math.max(4096L, len * 2L)));
                }
                int k = in.read(packet, len, packet.length - len);
                if (k < 0) {
                    return len;
                }
                len += k;
            }
        }
    }

    private void ensurePacket(int size) {
        if (packet.length < size) {
            packet = new byte[size];
        }
    }

    /** Finds the event structs of the size-prefixed EventPacket in {@code packet[0, length)}. */
    private void locateEvents(long at, int length) throws DecodeException {
        if (length < 8) {
            throw error(at, "event packet of " + length + " bytes is too short for a flatbuffer");
        }
        int declared = (int) INT_LE.get(packet, 0);
        if (declared < 4 || declared > length - 4) {
            throw error(at, "event packet size prefix " + declared + " does not fit its " + length + " bytes");
        }
        int start;
        int count;
        try {
            ByteBuffer bb = ByteBuffer.wrap(packet, 0, declared + 4).slice().order(ByteOrder.LITTLE_ENDIAN);
            Aedat4Layout.EventPacket ep = Aedat4Layout.EventPacket.of(bb, 0);
            start = ep.elementsStart();
            count = ep.elementsLength();
        } catch (IndexOutOfBoundsException | IllegalArgumentException | BufferUnderflowException e) {
            throw new DecodeException(src.name, at, "corrupt event packet flatbuffer: " + e, e);
        }
        if (start < 0) {
            eventPos = eventEnd = 0;
            return;
        }
        long end = start + (long) count * Aedat4Layout.EVENT_BYTES;
        if (count < 0 || start < 8 || end > declared + 4L) {
            throw error(at, "event vector of " + count + " events at " + start + " leaves the " + (declared + 4)
                + "-byte packet");
        }
        eventPos = start;
        eventEnd = (int) end;
    }

    private static Stream eventStream(String name, long at, String xml, DecodeOptions options)
        throws DecodeException {
        if (xml == null) {
            throw new DecodeException(name, at, "IOHeader has no infoNode stream description");
        }
        Document doc;
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.setExpandEntityReferences(false);
            DocumentBuilder db = f.newDocumentBuilder();
            db.setErrorHandler(new org.xml.sax.helpers.DefaultHandler() {
                @Override
                public void fatalError(org.xml.sax.SAXParseException e) throws SAXException {
                    throw e; // reported through the DecodeException, not printed on stderr
                }
            });
            doc = db.parse(new InputSource(new StringReader(xml)));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new DecodeException(name, at, "unreadable infoNode XML: " + e.getMessage(), e);
        }
        NodeList nodes = doc.getElementsByTagName("node");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element node = (Element) nodes.item(i);
            if (!"EVTS".equals(attr(node, "typeIdentifier"))) {
                continue;
            }
            int id;
            try {
                id = Integer.parseInt(node.getAttribute("name").trim());
            } catch (NumberFormatException e) {
                throw new DecodeException(name, at, "event stream with non-numeric id '" + node.getAttribute("name")
                    + "'");
            }
            int sizeX = -1;
            int sizeY = -1;
            for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
                if (c instanceof Element info && "node".equals(info.getTagName())
                    && "info".equals(info.getAttribute("name"))) {
                    sizeX = HeaderLines.positiveInt(String.valueOf(attr(info, "sizeX")));
                    sizeY = HeaderLines.positiveInt(String.valueOf(attr(info, "sizeY")));
                }
            }
            if (sizeX > 0 && sizeY > 0) {
                if (sizeX > Short.MAX_VALUE || sizeY > Short.MAX_VALUE) {
                    throw new DecodeException(name, at, "sensor size " + sizeX + "x" + sizeY + " beyond int16");
                }
                return new Stream(id, new SensorGeometry(sizeX, sizeY));
            }
            return new Stream(id, options.geometryOr(DEFAULT_GEOMETRY));
        }
        return new Stream(-1, options.geometryOr(DEFAULT_GEOMETRY));
    }

    /** Text of the direct {@code <attr key="...">} child of {@code node}, or null. */
    private static String attr(Element node, String key) {
        for (Node c = node.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (c instanceof Element a && "attr".equals(a.getTagName()) && key.equals(a.getAttribute("key"))) {
                return a.getTextContent().trim();
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        try {
            if (zstd != null) {
                zstd.close();
            }
        } finally {
            super.close();
        }
    }
}
