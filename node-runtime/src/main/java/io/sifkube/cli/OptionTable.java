package io.sifkube.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A command's options declared as data, with the parser and the help text that follow from them.
 *
 * <p>The container commands ({@code run}, {@code exec}, {@code shell}) use this instead of picocli:
 * picocli builds its model of a command by reflection, in about 170 classes compiled for Java 5
 * that no class-data-sharing archive can hold, and for a one-shot {@code sifctl exec} that was a
 * quarter of a second before any container work began — about podman's whole run. This table is a
 * few classes, with no reflection and no lambdas to link at start. It accepts what picocli accepted
 * on those commands: {@code --name value}, {@code --name=value}, {@code -x value}, {@code -xvalue},
 * short flags clustered ({@code -ab}, {@code -abx value}), comma-split lists, repeatable options,
 * {@code --} and, as the container's command line follows the image, options only before the first
 * positional argument.
 *
 * <p>The parser hands each value to {@link Target#set} under the option's last name, the long one,
 * whichever name was typed.
 */
final class OptionTable {

  /** A command line this table cannot take; the message names the option and what is wrong. */
  static final class UsageException extends Exception {
    UsageException(String message) {
      super(message);
    }
  }

  /** What the options are set on. */
  interface Target {
    /**
     * Takes one value of {@code option} (its long name); null for a flag. A list option gets each
     * value in turn.
     */
    void set(String option, String value) throws UsageException;
  }

  private enum Kind {
    FLAG,
    VALUE,
    LIST,
    SPLIT_LIST
  }

  /** One option: its names, the label of its value, its help and how its values are taken. */
  private record Opt(List<String> names, String label, String help, Kind kind) {
    String key() {
      return names.get(names.size() - 1);
    }
  }

  private final List<Opt> options = new ArrayList<>();
  private final Map<String, Opt> byName = new HashMap<>();

  /** Adds a flag, an option without a value. {@code names} are separated by commas. */
  OptionTable flag(String names, String help) {
    return add(names, null, help, Kind.FLAG);
  }

  /** Adds an option with a value; the last one given wins. */
  OptionTable value(String names, String label, String help) {
    return add(names, label, help, Kind.VALUE);
  }

  /** Adds a repeatable option; with {@code split} each value is also split at commas. */
  OptionTable list(String names, String label, String help, boolean split) {
    return add(names, label, help, split ? Kind.SPLIT_LIST : Kind.LIST);
  }

  private OptionTable add(String names, String label, String help, Kind kind) {
    Opt o = new Opt(Arrays.asList(names.split(",")), label, help, kind);
    for (String n : o.names()) {
      if (byName.putIfAbsent(n, o) != null) {
        throw new IllegalArgumentException("option " + n + " declared twice");
      }
    }
    options.add(o);
    return this;
  }

  /** The long name of every option, in the order they were declared. */
  List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (Opt o : options) {
      keys.add(o.key());
    }
    return keys;
  }

  /** Every name of the option whose long name is {@code key} (short forms first), or none. */
  List<String> names(String key) {
    Opt o = byName.get(key);
    return o == null || !o.key().equals(key) ? List.of() : o.names();
  }

  /** True when {@code key} names a flag. */
  boolean isFlag(String key) {
    Opt o = byName.get(key);
    return o != null && o.kind() == Kind.FLAG;
  }

  /**
   * Sets the options at the start of {@code args} on {@code target} and returns the rest: from the
   * first argument that is not an option (or after {@code --}) on, all of it, options or not.
   */
  List<String> parse(Target target, List<String> args) throws UsageException {
    int i = 0;
    while (i < args.size()) {
      String a = args.get(i);
      if (a.equals("--")) {
        i++;
        break;
      }
      if (!isOption(a)) {
        break;
      }
      i = take(target, args, i);
    }
    return args.subList(i, args.size());
  }

  /**
   * Sets the options found anywhere in {@code args} on {@code target}, as picocli does for a
   * command whose arguments are all its own, and returns the other arguments in order; after {@code
   * --} everything is an argument.
   */
  List<String> parseAnywhere(Target target, List<String> args) throws UsageException {
    List<String> positional = new ArrayList<>();
    int i = 0;
    while (i < args.size()) {
      String a = args.get(i);
      if (a.equals("--")) {
        positional.addAll(args.subList(i + 1, args.size()));
        break;
      }
      if (isOption(a)) {
        i = take(target, args, i);
      } else {
        positional.add(a);
        i++;
      }
    }
    return positional;
  }

  private static boolean isOption(String a) {
    return a.startsWith("-") && !a.equals("-");
  }

  /** Sets the option at {@code args[i]}, with its value; returns the index of what follows. */
  private int take(Target target, List<String> args, int i) throws UsageException {
    String a = args.get(i);
    String name = a;
    String value = null;
    if (a.startsWith("--")) {
      int eq = a.indexOf('=');
      if (eq > 0) {
        name = a.substring(0, eq);
        value = a.substring(eq + 1);
      }
    } else if (a.length() > 2) {
      name = a.substring(0, 2);
      Opt first = byName.get(name);
      if (first != null && first.kind() == Kind.FLAG && a.charAt(2) != '=') {
        // short options clustered behind a flag, as picocli took them: -aj is -a -j, -jg1 is -j -g1
        target.set(first.key(), null);
        List<String> rest = new ArrayList<>(args);
        rest.set(i, "-" + a.substring(2));
        return take(target, rest, i);
      }
      value = a.charAt(2) == '=' ? a.substring(3) : a.substring(2);
    }
    Opt o = byName.get(name);
    if (o == null) {
      throw new UsageException("unknown option '" + a + "'");
    }
    if (o.kind() == Kind.FLAG) {
      if (value != null) {
        throw new UsageException("option " + name + " takes no value: '" + a + "'");
      }
      target.set(o.key(), null);
      return i + 1;
    }
    if (value == null) {
      if (i + 1 >= args.size()) {
        throw new UsageException("option " + name + " needs a value (" + o.label() + ")");
      }
      value = args.get(++i);
    }
    if (o.kind() == Kind.SPLIT_LIST) {
      for (String v : value.split(",", -1)) {
        target.set(o.key(), v);
      }
    } else {
      target.set(o.key(), value);
    }
    return i + 1;
  }

  /** Writes the options' help: one line per option, its names and value, then what it does. */
  void describe(PrintWriter out) {
    List<String> left = new ArrayList<>();
    int width = 0;
    for (Opt o : options) {
      StringBuilder l = new StringBuilder("  ");
      l.append(o.names().get(0).startsWith("--") ? "    " : "");
      l.append(String.join(", ", o.names()));
      if (o.label() != null) {
        l.append('=').append(o.label()).append(o.kind() == Kind.SPLIT_LIST ? "[,...]" : "");
      }
      left.add(l.toString());
      width = Math.max(width, l.length());
    }
    width = Math.min(width, 36);
    for (int k = 0; k < options.size(); k++) {
      String l = left.get(k);
      String help = options.get(k).help();
      if (l.length() > width) {
        out.println(l);
        out.println(" ".repeat(width + 2) + help);
      } else {
        out.println(l + " ".repeat(width + 2 - l.length()) + help);
      }
    }
  }

  /** A whole number for option {@code name}, or a usage error that says what was given. */
  static long parseLong(String name, String v) throws UsageException {
    try {
      return Long.parseLong(v.strip());
    } catch (NumberFormatException e) {
      throw new UsageException("option " + name + ": '" + v + "' is not a whole number");
    }
  }

  /** A whole number that fits an int, for option {@code name}, or a usage error. */
  static int parseInt(String name, String v) throws UsageException {
    long n = parseLong(name, v);
    if (n != (int) n) {
      throw new UsageException("option " + name + ": '" + v + "' is out of range");
    }
    return (int) n;
  }

  /** A number for option {@code name}, or a usage error that says what was given. */
  static double parseDouble(String name, String v) throws UsageException {
    try {
      double d = Double.parseDouble(v.strip());
      if (Double.isNaN(d) || Double.isInfinite(d)) {
        throw new NumberFormatException();
      }
      return d;
    } catch (NumberFormatException e) {
      throw new UsageException("option " + name + ": '" + v + "' is not a number");
    }
  }

  /** A path for option {@code name}, or a usage error when it cannot be one. */
  static Path parsePath(String name, String v) throws UsageException {
    if (v.isEmpty() || v.indexOf('\0') >= 0) {
      throw new UsageException("option " + name + ": '" + v + "' is not a path");
    }
    return Path.of(v);
  }
}
