package io.sifkube.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final String DOC =
      "{\"architecture\":\"amd64\",\"config\":{\"Cmd\":[\"/bin/sh\",\"-c\",\"echo \\u00e9\\\"\"],"
          + "\"Labels\":{\"a\":\"b\"},\"Volumes\":{}},\"small\":7,\"big\":12345678901,"
          + "\"huge\":123456789012345678901234567890,\"f\":1.5e-3,\"neg\":-2,\"t\":true,"
          + "\"n\":false,\"z\":null,\"empty\":[]}";

  @Test
  void readsTheTreeObjectMapperReads() throws Exception {
    JsonNode ours = Json.read(DOC.getBytes(StandardCharsets.UTF_8));
    assertThat(ours).isEqualTo(MAPPER.readTree(DOC));
    assertThat(ours.get("small").isInt()).isTrue();
    assertThat(ours.get("big").isLong()).isTrue();
    assertThat(ours.get("huge").bigIntegerValue())
        .isEqualTo(new BigInteger("123456789012345678901234567890"));
    assertThat(ours.get("f").isDouble()).isTrue();
    assertThat(Json.read("  [1, \"x\"]\n").size()).isEqualTo(2);
  }

  @Test
  void writesTheBytesObjectMapperWrites() throws Exception {
    JsonNode tree = MAPPER.readTree(DOC);
    ((ObjectNode) tree).put("added", 1.25f).put("long", Long.MAX_VALUE);
    assertThat(new String(Json.bytes(tree), StandardCharsets.UTF_8))
        .isEqualTo(MAPPER.writeValueAsString(tree));
    assertThat(Json.pretty(tree))
        .isEqualTo(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(tree));
    assertThat(Json.read(Json.bytes(MAPPER.readTree(DOC)))).isEqualTo(MAPPER.readTree(DOC));
  }

  @Test
  void refusesWhatTwoParsersCouldReadDifferently() {
    assertThatThrownBy(() -> Json.read("{\"a\":1,\"b\":{\"c\":2,\"c\":3}}"))
        .isInstanceOf(JsonParseException.class)
        .hasMessageContaining("duplicate key \"c\"");
    assertThatThrownBy(() -> Json.read("{\"a\":1} {\"a\":2}"))
        .isInstanceOf(JsonParseException.class)
        .hasMessageContaining("more after the end");
    assertThatThrownBy(() -> Json.read("   "))
        .isInstanceOf(JsonParseException.class)
        .hasMessageContaining("empty input");
    assertThatThrownBy(() -> Json.read("{\"a\":"))
        .isInstanceOf(com.fasterxml.jackson.core.JsonProcessingException.class);
    assertThatThrownBy(() -> Json.read("[".repeat(5000) + "]".repeat(5000)))
        .isInstanceOf(com.fasterxml.jackson.core.JsonProcessingException.class)
        .hasMessageContaining("nesting depth");
  }

  @Test
  void readsEdgeCasesAsObjectMapperDoes() throws Exception {
    String[] docs = {
      "0",
      "-0",
      "-0.0",
      "1e5",
      "1E+5",
      "-1.5e-3",
      "2147483647",
      "2147483648",
      "-2147483648",
      "-2147483649",
      "9223372036854775807",
      "9223372036854775808",
      "-9223372036854775808",
      "-9223372036854775809",
      "1" + "0".repeat(40),
      "\"\"",
      "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"",
      "\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00\\ud800\"",
      "\"é€😀 mixed ascii\"",
      " \t\r\n[ ] ",
      "{ }",
      "[[[]],{\"a\":[{}]}]",
      "[true,false,null]"
    };
    for (String doc : docs) {
      JsonNode ours = Json.read(doc);
      JsonNode theirs = MAPPER.readTree(doc);
      assertThat(ours).as(doc).isEqualTo(theirs);
      assertThat(ours.getClass()).as(doc).isEqualTo(theirs.getClass());
    }
    byte[] withBom = {(byte) 0xef, (byte) 0xbb, (byte) 0xbf, '[', '1', ']'};
    assertThat(Json.read(withBom)).isEqualTo(MAPPER.readTree(withBom));
  }

  @Test
  void readsRandomDocumentsAsObjectMapperDoes() throws Exception {
    java.util.Random random = new java.util.Random(7);
    for (int i = 0; i < 300; i++) {
      JsonNode tree = randomTree(random, 0);
      byte[] compact = MAPPER.writeValueAsBytes(tree);
      byte[] pretty = MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(tree);
      assertThat(Json.read(compact)).isEqualTo(MAPPER.readTree(compact));
      assertThat(Json.read(pretty)).isEqualTo(MAPPER.readTree(pretty));
    }
  }

  private static JsonNode randomTree(java.util.Random r, int depth) {
    int kind = depth > 4 ? 2 + r.nextInt(5) : r.nextInt(7);
    switch (kind) {
      case 0 -> {
        ObjectNode o = Json.object();
        for (int i = r.nextInt(5); i > 0; i--) {
          o.set(randomString(r) + i, randomTree(r, depth + 1));
        }
        return o;
      }
      case 1 -> {
        var a = Json.array();
        for (int i = r.nextInt(5); i > 0; i--) {
          a.add(randomTree(r, depth + 1));
        }
        return a;
      }
      case 2 -> {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(randomString(r));
      }
      case 3 -> {
        return com.fasterxml.jackson.databind.node.LongNode.valueOf(r.nextLong() >> r.nextInt(64));
      }
      case 4 -> {
        return com.fasterxml.jackson.databind.node.DoubleNode.valueOf(r.nextGaussian() * 1e6);
      }
      case 5 -> {
        return com.fasterxml.jackson.databind.node.BooleanNode.valueOf(r.nextBoolean());
      }
      default -> {
        return com.fasterxml.jackson.databind.node.NullNode.getInstance();
      }
    }
  }

  private static String randomString(java.util.Random r) {
    StringBuilder s = new StringBuilder();
    for (int i = r.nextInt(12); i > 0; i--) {
      int pick = r.nextInt(10);
      s.appendCodePoint(
          pick < 6
              ? 0x20 + r.nextInt(0x5f)
              : pick < 8
                  ? r.nextInt(0x20)
                  : pick < 9 ? 0xa0 + r.nextInt(0xd000) : 0x10000 + r.nextInt(0x1000));
    }
    return s.toString();
  }

  @Test
  void refusesWhatTheGrammarDoesNotAllowNamingWhere() {
    String[] bad = {
      "01",
      "-",
      "1.",
      ".5",
      "+1",
      "1e",
      "-a",
      "[1,]",
      "{\"a\":1,}",
      "[1 2]",
      "{\"a\" 1}",
      "{\"a\"}",
      "{a:1}",
      "'a'",
      "\"\\x\"",
      "\"\\u12g4\"",
      "\"unterminated",
      "\"tab\there\"",
      "tru",
      "nul",
      "truex",
      "NaN",
      "[",
      "{",
      "[1",
      "{\"a\":1",
      "}",
      "]",
      "[1]]"
    };
    java.util.List<String> jacksonReads = new java.util.ArrayList<>();
    for (String doc : bad) {
      assertThatThrownBy(() -> Json.read(doc))
          .as(doc)
          .isInstanceOf(JsonParseException.class)
          .hasMessageContaining("line 1, column");
      try {
        MAPPER.readTree(doc);
        jacksonReads.add(doc);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        // refused by both
      }
    }
    // ObjectMapper.readTree stops after the first value, so it reads these; we refuse them.
    assertThat(jacksonReads).containsExactly("[1]]");
    assertThatThrownBy(() -> Json.read("{\n  \"a\": 1,\n  \"a\": 2\n}"))
        .hasMessageContaining("duplicate key \"a\" (line 3, column 3)");
    assertThatThrownBy(() -> Json.read("1".repeat(1001)))
        .hasMessageContaining("number is longer than the maximum");
  }

  @Test
  void refusesMalformedUtf8() {
    int[][] bad = {
      {0xc0, 0x80}, // overlong NUL
      {0xe0, 0x80, 0x80}, // overlong
      {0xed, 0xa0, 0x80}, // a UTF-16 surrogate
      {0xf4, 0x90, 0x80, 0x80}, // past U+10FFFF
      {0xff}, // never a UTF-8 byte
      {0x80}, // a continuation byte on its own
      {0xc3}, // cut short
      {0xe2, 0x82, 0x41} // a bad continuation
    };
    for (int[] seq : bad) {
      byte[] doc = new byte[seq.length + 2];
      doc[0] = '"';
      for (int i = 0; i < seq.length; i++) {
        doc[i + 1] = (byte) seq[i];
      }
      doc[doc.length - 1] = '"';
      assertThatThrownBy(() -> Json.read(doc))
          .as(java.util.Arrays.toString(seq))
          .isInstanceOf(JsonParseException.class)
          .hasMessageContaining("UTF-8");
    }
  }

  @Test
  void buildsNewTrees() {
    ObjectNode o = Json.object();
    o.set("list", Json.array().add("x"));
    assertThat(new String(Json.bytes(o), StandardCharsets.UTF_8)).isEqualTo("{\"list\":[\"x\"]}");
  }
}
