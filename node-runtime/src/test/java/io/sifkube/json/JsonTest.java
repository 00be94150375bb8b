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
  void buildsNewTrees() {
    ObjectNode o = Json.object();
    o.set("list", Json.array().add("x"));
    assertThat(new String(Json.bytes(o), StandardCharsets.UTF_8)).isEqualTo("{\"list\":[\"x\"]}");
  }
}
