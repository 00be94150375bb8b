package io.sifkube.cli;

import io.sifkube.sif.SifCodes;
import io.sifkube.sif.SifDescriptor;
import io.sifkube.sif.SifHeader;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The text of {@code sifctl sif header|list|info}: the same bytes the reference {@code siftool}
 * prints for the same file. Pure functions of the parsed header and descriptors.
 */
public final class SifViews {

  private static final String RULE =
      "------------------------------------------------------------------------------\n";
  private static final DateTimeFormatter GO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneOffset.UTC);

  private SifViews() {}

  /** {@code siftool header}. */
  public static String header(SifHeader h) {
    TabWriter tw = new TabWriter(1);
    String script = h.launchScriptText();
    if (!script.isEmpty()) {
      tw.line(
          "Launch Script:\t"
              + (script.endsWith("\n") ? script.substring(0, script.length() - 1) : script));
    }
    tw.line("Version:\t" + h.versionText());
    if (!"unknown".equals(h.primaryArch())) {
      tw.line("Primary Architecture:\t" + h.primaryArch());
    }
    if (!h.uuid().equals(new UUID(0, 0))) {
      tw.line("ID:\t" + h.uuid());
    }
    if (h.createdAt() != SifHeader.ZERO_TIME) {
      tw.line("Created At:\t" + time(h.createdAt()));
    }
    if (h.modifiedAt() != SifHeader.ZERO_TIME) {
      tw.line("Modified At:\t" + time(h.modifiedAt()));
    }
    tw.line("Descriptors Free:\t" + h.descriptorsFree());
    tw.line("Descriptors Total:\t" + h.descriptorsTotal());
    tw.line("Descriptors Offset:\t" + h.descriptorsOffset());
    tw.line("Descriptors Size:\t" + readableSize(h.descriptorsSize()));
    tw.line("Data Offset:\t" + h.dataOffset());
    tw.line("Data Size:\t" + readableSize(h.dataSize()));
    return tw.toString();
  }

  /** {@code siftool list}. */
  public static String list(List<SifDescriptor> descriptors) {
    StringBuilder out = new StringBuilder(RULE);
    out.append(
        String.format(
            Locale.ROOT,
            "%-4s %-8s %-8s %-26s %s\n",
            "ID",
            "|GROUP",
            "|LINK",
            "|SIF POSITION (start-end)",
            "|TYPE"));
    out.append(RULE);
    for (SifDescriptor d : descriptors) {
      out.append(String.format(Locale.ROOT, "%-4s ", unsigned(d.id())));
      out.append(
          String.format(Locale.ROOT, "|%-7s ", d.groupId() == 0 ? "NONE" : unsigned(d.groupId())));
      if (d.linkedId() == 0) {
        out.append(String.format(Locale.ROOT, "|%-7s ", "NONE"));
      } else if (d.linksGroup()) {
        out.append(String.format(Locale.ROOT, "|%-3s (G) ", unsigned(d.linkedId())));
      } else {
        out.append(String.format(Locale.ROOT, "|%-7s ", unsigned(d.linkedId())));
      }
      out.append(
          String.format(
              Locale.ROOT, "%-26s ", "|" + d.offset() + "-" + (d.offset() + d.size()) + " "));
      out.append('|').append(typeSummary(d)).append('\n');
    }
    return out.toString();
  }

  /** {@code siftool info ID}. */
  public static String info(SifDescriptor d) {
    TabWriter tw = new TabWriter(2);
    tw.line("\tData Type:\t" + d.dataTypeName());
    tw.line("\tID:\t" + unsigned(d.id()));
    tw.line("\tGroup ID:\t" + (d.groupId() == 0 ? "NONE" : unsigned(d.groupId())));
    String link =
        d.linkedId() == 0 ? "NONE" : unsigned(d.linkedId()) + (d.linksGroup() ? " (G)" : "");
    tw.line("\tLinked ID:\t" + link);
    tw.line("\tOffset:\t" + d.offset());
    tw.line("\tSize:\t" + d.size());
    if (d.createdAt() != SifHeader.ZERO_TIME) {
      tw.line("\tCreated At:\t" + time(d.createdAt()));
    }
    if (d.modifiedAt() != SifHeader.ZERO_TIME) {
      tw.line("\tModified At:\t" + time(d.modifiedAt()));
    }
    if (!d.nameText().isEmpty()) {
      tw.line("\tName:\t" + d.nameText());
    }
    d.partition()
        .ifPresent(
            p -> {
              tw.line("\tFilesystem Type:\t" + SifCodes.fsTypeName(p.fsType()));
              tw.line("\tPartition Type:\t" + SifCodes.partTypeName(p.partType()));
              tw.line("\tArchitecture:\t" + p.arch());
            });
    d.signature()
        .ifPresent(
            s -> {
              tw.line("\tHash Type:\t" + SifCodes.hashTypeName(s.hashType()));
              if (s.fingerprint().length > 0) {
                tw.line("\tEntity:\t" + s.fingerprintHex());
              }
            });
    d.cryptoMessage()
        .ifPresent(
            m -> {
              tw.line("\tFormat Type:\t" + SifCodes.cryptoFormatName(m.format()));
              tw.line("\tMessage Type:\t" + SifCodes.messageTypeName(m.messageType()));
            });
    d.sbomFormat().ifPresent(f -> tw.line("\tFormat:\t" + SifCodes.sbomFormatName(f)));
    d.ociDigest().ifPresent(digest -> tw.line("\tDigest:\t" + digest));
    return tw.toString();
  }

  /** The TYPE column of {@code list}. */
  static String typeSummary(SifDescriptor d) {
    String type = d.dataTypeName();
    if (d.partition().isPresent()) {
      var p = d.partition().get();
      return type
          + " ("
          + SifCodes.fsTypeName(p.fsType())
          + "/"
          + SifCodes.partTypeName(p.partType())
          + "/"
          + p.arch()
          + ")";
    }
    if (d.signature().isPresent()) {
      return type + " (" + SifCodes.hashTypeName(d.signature().get().hashType()) + ")";
    }
    if (d.cryptoMessage().isPresent()) {
      var m = d.cryptoMessage().get();
      return type
          + " ("
          + SifCodes.cryptoFormatName(m.format())
          + "/"
          + SifCodes.messageTypeName(m.messageType())
          + ")";
    }
    if (d.sbomFormat().isPresent()) {
      return type + " (" + SifCodes.sbomFormatName(d.sbomFormat().get()) + ")";
    }
    return type;
  }

  /**
   * Sizes as siftool prints them: bytes below 1 KiB, otherwise the largest 1024-based unit, rounded
   * half away from zero.
   */
  static String readableSize(long size) {
    if (size > -1024 && size < 1024) {
      return size + " B";
    }
    String units = "KMGTPE";
    long div = 1024;
    int exp = 0;
    for (long n = size / 1024; n <= -1024 || n >= 1024; n /= 1024) {
      div *= 1024;
      exp++;
    }
    return Math.round((double) size / div) + " " + units.charAt(exp) + "iB";
  }

  /** Go's {@code time.Time.String()} for a UTC time with whole seconds. */
  static String time(long unixSeconds) {
    try {
      return GO_TIME.format(Instant.ofEpochSecond(unixSeconds)) + " +0000 UTC";
    } catch (DateTimeException e) {
      // Outside what java.time can print; a damaged field should not stop the view.
      return unixSeconds + " (Unix seconds)";
    }
  }

  private static String unsigned(int v) {
    return Integer.toUnsignedString(v);
  }
}
