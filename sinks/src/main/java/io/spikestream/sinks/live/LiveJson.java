package io.spikestream.sinks.live;

import java.util.Locale;

/** A {@link LiveSnapshot} as the JSON the page reads (one Server-Sent Event each); NaN becomes null. */
final class LiveJson {

    private LiveJson() {
    }

    static String of(LiveSnapshot s) {
        StringBuilder b = new StringBuilder(4096);
        b.append("{\"wallMillis\":").append(s.wallMillis());
        num(b.append(",\"eventsPerSecond\":"), s.eventsPerSecond());
        num(b.append(",\"consumerLag\":"), s.consumerLag());
        num(b.append(",\"realtimeFactor\":"), s.realtimeFactor());
        b.append(",\"sensorsNotShown\":").append(s.sensorsNotShown());
        b.append(",\"sensors\":[");
        for (int i = 0; i < s.sensors().size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            sensor(b, s.sensors().get(i));
        }
        return b.append("]}").toString();
    }

    private static void sensor(StringBuilder b, LiveSnapshot.Sensor s) {
        str(b.append("{\"id\":"), s.id());
        b.append(",\"width\":").append(s.width()).append(",\"height\":").append(s.height());
        b.append(",\"binning\":").append(s.binning()).append(",\"frameUs\":").append(s.frameUs());
        str(b.append(",\"image\":"), s.image());
        b.append(",\"streamUs\":").append(s.streamUs()).append(",\"events\":").append(s.events());
        num(b.append(",\"eventsPerSecond\":"), s.eventsPerSecond());
        b.append(",\"predicted\":").append(s.predicted()).append(",\"label\":").append(s.label());
        b.append(",\"scores\":[");
        for (int i = 0; i < s.scores().length; i++) {
            num(i > 0 ? b.append(',') : b, s.scores()[i]);
        }
        b.append("],\"predictionUs\":").append(s.predictionUs());
        str(b.append(",\"kind\":"), s.kind());
        b.append(",\"learning\":").append(s.learning()).append(",\"predictions\":").append(s.predictions());
        num(b.append(",\"accuracy\":"), s.accuracy());
        num(b.append(",\"loss\":"), s.loss());
        b.append(",\"scored\":").append(s.scored());
        b.append(",\"raster\":");
        LiveSnapshot.Raster r = s.raster();
        if (r == null) {
            b.append("null");
        } else {
            b.append("{\"fromStep\":").append(r.fromStep()).append(",\"toStep\":").append(r.toStep())
                .append(",\"neurons\":").append(r.neurons()).append(",\"steps\":[");
            for (int i = 0; i < r.steps().length; i++) {
                (i > 0 ? b.append(',') : b).append(r.steps()[i]);
            }
            b.append("],\"neuron\":[");
            for (int i = 0; i < r.neuron().length; i++) {
                (i > 0 ? b.append(',') : b).append(r.neuron()[i]);
            }
            b.append("]}");
        }
        b.append('}');
    }

    private static void num(StringBuilder b, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            b.append("null");
        } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            b.append((long) v);
        } else {
            b.append(String.format(Locale.ROOT, "%.6g", v));
        }
    }

    private static void str(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x2028 || c == 0x2029) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
