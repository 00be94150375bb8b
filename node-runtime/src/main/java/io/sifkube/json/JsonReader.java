package io.sifkube.json;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;

/**
 * A strict RFC 8259 parser of one UTF-8 JSON document into Jackson's tree nodes.
 *
 * <p>Why not Jackson's own parser: its parser classes initialise {@code BigDecimal} and {@code
 * BigInteger} constants and a {@code ForkJoinPool} before reading a byte, which costs a one-shot
 * {@code sifctl exec} some 15 ms of its start (measured with {@code -Xlog:class+init}); the
 * documents read here are small and a recursive descent over the bytes needs none of that.
 *
 * <p>It gives the nodes {@code ObjectMapper.readTree} gives (int, long or big integer nodes by
 * size, double nodes for fractions) and keeps Jackson's default limits on nesting and number
 * length, but refuses what a lenient parser might read differently from another one: duplicate
 * keys, content after the document, malformed or overlong UTF-8, control characters in strings,
 * leading zeros, and anything outside the grammar. Errors name the line and column.
 */
final class JsonReader {

  /** Jackson's default {@code StreamReadConstraints}: nesting depth and number length. */
  static final int MAX_DEPTH = 1000;

  static final int MAX_NUMBER_LENGTH = 1000;

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private final byte[] in;
  private int pos;

  private JsonReader(byte[] in) {
    this.in = in;
  }

  /** Parses {@code bytes} as exactly one JSON document. */
  static JsonNode read(byte[] bytes) throws JsonParseException {
    JsonReader r = new JsonReader(bytes);
    if (bytes.length >= 3
        && (bytes[0] & 0xff) == 0xef
        && (bytes[1] & 0xff) == 0xbb
        && (bytes[2] & 0xff) == 0xbf) {
      r.pos = 3; // a UTF-8 byte order mark, which RFC 8259 lets a parser ignore
    }
    r.skipSpace();
    if (r.pos == bytes.length) {
      throw r.error("no JSON document (empty input)");
    }
    JsonNode node = r.value(0);
    r.skipSpace();
    if (r.pos != bytes.length) {
      throw r.error("more after the end of the JSON document");
    }
    return node;
  }

  private JsonNode value(int depth) throws JsonParseException {
    if (pos == in.length) {
      throw error("unexpected end of input: a value was expected");
    }
    int c = in[pos] & 0xff;
    return switch (c) {
      case '{' -> object(depth + 1);
      case '[' -> array(depth + 1);
      case '"' -> NODES.textNode(string());
      case 't' -> literal("true", NODES.booleanNode(true));
      case 'f' -> literal("false", NODES.booleanNode(false));
      case 'n' -> literal("null", NODES.nullNode());
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          yield number();
        }
        throw error("unexpected " + describe(c) + ": a value was expected");
      }
    };
  }

  private ObjectNode object(int depth) throws JsonParseException {
    ObjectNode o = NODES.objectNode();
    if (opens(depth, '}')) {
      return o;
    }
    do {
      if (peek() != '"') {
        throw error("unexpected " + describeNext() + ": a field name was expected");
      }
      int keyAt = pos;
      String key = string();
      skipSpace();
      expect(':', "':' after a field name");
      skipSpace();
      if (o.replace(key, value(depth)) != null) {
        pos = keyAt;
        throw error("duplicate key \"" + key + "\"");
      }
    } while (!closes('}'));
    return o;
  }

  private ArrayNode array(int depth) throws JsonParseException {
    ArrayNode a = NODES.arrayNode();
    if (opens(depth, ']')) {
      return a;
    }
    do {
      a.add(value(depth));
    } while (!closes(']'));
    return a;
  }

  /** Takes the opening bracket; true when the container is empty (its closing one taken too). */
  private boolean opens(int depth, char close) throws JsonParseException {
    checkDepth(depth);
    pos++;
    skipSpace();
    if (peek() == close) {
      pos++;
      return true;
    }
    return false;
  }

  /** After a member: true at the closing bracket, false at a comma (either is taken). */
  private boolean closes(char close) throws JsonParseException {
    skipSpace();
    int c = peek();
    if (c != close && c != ',') {
      throw error("unexpected " + describeNext() + ": ',' or '" + close + "' was expected");
    }
    pos++;
    skipSpace();
    return c == close;
  }

  private void checkDepth(int depth) throws JsonParseException {
    if (depth > MAX_DEPTH) {
      throw error("document nesting depth exceeds the maximum allowed (" + MAX_DEPTH + ")");
    }
  }

  private JsonNode literal(String word, JsonNode node) throws JsonParseException {
    int end = pos + word.length();
    for (int i = pos; i < end; i++) {
      if (i >= in.length || in[i] != word.charAt(i - pos)) {
        throw error("unrecognized token: '" + word + "' was expected");
      }
    }
    pos = end;
    return node;
  }

  private JsonNode number() throws JsonParseException {
    int start = pos;
    boolean integral = true;
    if (in[pos] == '-') {
      pos++;
    }
    if (peek() == '0') {
      pos++;
      if (isDigit(peek())) {
        throw error("leading zeros are not allowed in a number");
      }
    } else {
      digits("a digit");
    }
    if (peek() == '.') {
      integral = false;
      pos++;
      digits("a digit after the decimal point");
    }
    if (peek() == 'e' || peek() == 'E') {
      integral = false;
      pos++;
      if (peek() == '+' || peek() == '-') {
        pos++;
      }
      digits("a digit in the exponent");
    }
    if (pos - start > MAX_NUMBER_LENGTH) {
      pos = start;
      throw error("number is longer than the maximum allowed (" + MAX_NUMBER_LENGTH + ")");
    }
    String text = new String(in, start, pos - start, StandardCharsets.ISO_8859_1);
    if (!integral) {
      return NODES.numberNode(Double.parseDouble(text));
    }
    int length = text.length() - (text.charAt(0) == '-' ? 1 : 0);
    if (length <= 9) {
      return NODES.numberNode(Integer.parseInt(text));
    }
    if (length <= 19) {
      try {
        long v = Long.parseLong(text);
        return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
      } catch (NumberFormatException e) {
        // nineteen digits past Long's range: a big integer, as Jackson gives
      }
    }
    return NODES.numberNode(new BigInteger(text));
  }

  private void digits(String what) throws JsonParseException {
    if (!isDigit(peek())) {
      throw error("unexpected " + describeNext() + ": " + what + " was expected");
    }
    while (isDigit(peek())) {
      pos++;
    }
  }

  /** Reads a string token; {@code pos} is at its opening quote and ends after its closing one. */
  private String string() throws JsonParseException {
    int start = ++pos;
    // The common case: plain ASCII without escapes, copied in one go.
    while (pos < in.length) {
      int b = in[pos];
      if (b == '"') {
        return new String(in, start, pos++ - start, StandardCharsets.ISO_8859_1);
      }
      if (b == '\\' || b < 0x20) { // a negative byte starts a multi-byte UTF-8 sequence
        break;
      }
      pos++;
    }
    StringBuilder s = new StringBuilder(pos - start + 16);
    s.append(new String(in, start, pos - start, StandardCharsets.ISO_8859_1));
    while (true) {
      if (pos >= in.length) {
        throw error("unexpected end of input inside a string");
      }
      int b = in[pos] & 0xff;
      if (b == '"') {
        pos++;
        return s.toString();
      }
      if (b == '\\') {
        escape(s);
      } else if (b < 0x20) {
        throw error("unescaped control character (code " + b + ") inside a string");
      } else if (b < 0x80) {
        s.append((char) b);
        pos++;
      } else {
        s.appendCodePoint(utf8(b));
      }
    }
  }

  private void escape(StringBuilder s) throws JsonParseException {
    if (pos + 1 >= in.length) {
      throw error("unexpected end of input inside a string");
    }
    int c = in[pos + 1] & 0xff;
    char out =
        switch (c) {
          case '"' -> '"';
          case '\\' -> '\\';
          case '/' -> '/';
          case 'b' -> '\b';
          case 'f' -> '\f';
          case 'n' -> '\n';
          case 'r' -> '\r';
          case 't' -> '\t';
          case 'u' -> hex4();
          default -> throw error("unrecognized escape " + describe(c) + " inside a string");
        };
    s.append(out);
    pos += c == 'u' ? 6 : 2;
  }

  private char hex4() throws JsonParseException {
    int v = 0;
    for (int i = pos + 2; i < pos + 6; i++) {
      int d = i < in.length ? Character.digit(in[i], 16) : -1;
      if (d < 0) {
        throw error("a \\u escape needs four hex digits");
      }
      v = v << 4 | d;
    }
    return (char) v;
  }

  /** Decodes one multi-byte UTF-8 sequence starting with {@code lead}, refusing malformed ones. */
  private int utf8(int lead) throws JsonParseException {
    int need;
    int min;
    int cp;
    if (lead >= 0xc2 && lead <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = lead & 0x1f;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      need = 2;
      min = 0x800;
      cp = lead & 0x0f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = lead & 0x07;
    } else {
      throw error("invalid UTF-8 start byte 0x" + Integer.toHexString(lead));
    }
    for (int i = 1; i <= need; i++) {
      int b = pos + i < in.length ? in[pos + i] & 0xff : -1;
      if ((b & 0xc0) != 0x80) {
        throw error("invalid UTF-8 continuation byte after 0x" + Integer.toHexString(lead));
      }
      cp = cp << 6 | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      throw error("invalid UTF-8 sequence (overlong, a surrogate or past U+10FFFF)");
    }
    pos += need + 1;
    return cp;
  }

  private void expect(char c, String what) throws JsonParseException {
    if (peek() != c) {
      throw error("unexpected " + describeNext() + ": " + what + " was expected");
    }
    pos++;
  }

  private void skipSpace() {
    while (pos < in.length) {
      int c = in[pos];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return;
      }
      pos++;
    }
  }

  /** The byte at {@code pos}, or -1 at the end. */
  private int peek() {
    return pos < in.length ? in[pos] : -1;
  }

  private static boolean isDigit(int c) {
    return c >= '0' && c <= '9';
  }

  private String describeNext() {
    return pos < in.length ? describe(in[pos] & 0xff) : "end of input";
  }

  private static String describe(int c) {
    if (c < 0) {
      return "end of input";
    }
    return c >= 0x20 && c < 0x7f
        ? "character '" + (char) c + "'"
        : "byte 0x" + Integer.toHexString(c);
  }

  private JsonParseException error(String message) {
    int line = 1;
    int column = 1;
    for (int i = 0; i < Math.min(pos, in.length); i++) {
      if (in[i] == '\n') {
        line++;
        column = 1;
      } else {
        column++;
      }
    }
    return new JsonParseException(null, message + " (line " + line + ", column " + column + ")");
  }
}
