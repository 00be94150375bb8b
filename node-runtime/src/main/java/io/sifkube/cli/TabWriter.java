package io.sifkube.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Aligns tab-separated cells into columns the way Go's {@code text/tabwriter} does with a space pad
 * character: every tab-terminated cell is padded to the widest cell of its column plus {@code
 * padding}; the text after a line's last tab is left as is. That is how {@code siftool} lays out
 * its header and info views, so matching it byte for byte needs the same rule.
 */
final class TabWriter {

  private final int padding;
  private final List<String[]> lines = new ArrayList<>();

  TabWriter(int padding) {
    this.padding = padding;
  }

  /** Adds one line; {@code \t} separates cells. */
  TabWriter line(String text) {
    lines.add(text.split("\t", -1));
    return this;
  }

  @Override
  public String toString() {
    int columns = lines.stream().mapToInt(l -> l.length - 1).max().orElse(0);
    int[] width = new int[Math.max(columns, 0)];
    for (String[] cells : lines) {
      for (int c = 0; c < cells.length - 1; c++) {
        width[c] = Math.max(width[c], cells[c].codePointCount(0, cells[c].length()));
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] cells : lines) {
      for (int c = 0; c < cells.length - 1; c++) {
        out.append(cells[c]);
        out.append(" ".repeat(width[c] + padding - cells[c].codePointCount(0, cells[c].length())));
      }
      out.append(cells[cells.length - 1]).append('\n');
    }
    return out.toString();
  }
}
