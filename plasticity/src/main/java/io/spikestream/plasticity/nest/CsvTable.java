package io.spikestream.plasticity.nest;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A small header-first CSV table as the NEST fixtures write them (no quoting needed). */
final class CsvTable {

    final List<String> header;
    final List<String[]> rows;
    private final Path file;

    private CsvTable(Path file, List<String> header, List<String[]> rows) {
        this.file = file;
        this.header = header;
        this.rows = rows;
    }

    static CsvTable read(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file)) {
            String h = r.readLine();
            if (h == null) {
                throw new IOException(file + ": empty CSV file (no header)");
            }
            List<String> header = Arrays.asList(h.trim().split(","));
            List<String[]> rows = new ArrayList<>();
            String line;
            int n = 1;
            while ((line = r.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                String[] cells = line.split(",", -1);
                if (cells.length != header.size()) {
                    throw new IOException(file + ":" + n + ": " + cells.length + " cells, header has " + header.size());
                }
                rows.add(cells);
            }
            return new CsvTable(file, header, rows);
        }
    }

    int col(String name) {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException(file + ": no column '" + name + "' (columns " + header + ")");
        }
        return i;
    }

    boolean has(String name) {
        return header.contains(name);
    }

    double num(int row, int col) {
        String s = rows.get(row)[col];
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + ": row " + (row + 2) + " column " + header.get(col) + ": not a number: '" + s + "'");
        }
    }

    String str(int row, int col) {
        return rows.get(row)[col];
    }

    int size() {
        return rows.size();
    }
}
