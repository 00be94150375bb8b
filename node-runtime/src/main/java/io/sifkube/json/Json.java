package io.sifkube.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * JSON trees (Jackson's {@link JsonNode}s) read and written with Jackson's streaming parser and
 * generator alone, without an {@code ObjectMapper}.
 *
 * <p>Sifkube's documents — OCI manifests and configs, runtime specs, runtime state — are trees,
 * never data-bound beans, and the mapper's configuration, serializer and deserializer machinery
 * cost a one-shot {@code sifctl exec} about 100 ms of its start here against some 20 ms for this.
 * Reading gives the node types {@code ObjectMapper.readTree} gives, under Jackson's limits on
 * nesting and sizes, but strictly: a duplicate key or anything after the document is an error, as
 * two parsers reading such a document differently is how image-manifest confusion attacks work.
 * Writing is compact, in the tree's field order, so the same tree always gives the same bytes and
 * digest.
 */
public final class Json {

  private static final JsonFactory FACTORY = new JsonFactory();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private Json() {}

  /** A new, empty object node. */
  public static ObjectNode object() {
    return NODES.objectNode();
  }

  /** A new, empty array node. */
  public static ArrayNode array() {
    return NODES.arrayNode();
  }

  /**
   * Parses one JSON document; an empty input, a duplicate key and anything after the document are
   * refused.
   *
   * @throws JsonParseException when {@code bytes} is not one JSON document (its message says where)
   */
  public static JsonNode read(byte[] bytes) throws IOException {
    try (JsonParser p = FACTORY.createParser(bytes)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        throw new JsonParseException(p, "no JSON document (empty input)");
      }
      JsonNode node = read(p, first);
      if (p.nextToken() != null) {
        throw new JsonParseException(p, "more after the end of the JSON document");
      }
      return node;
    }
  }

  /** Parses one JSON document from text; see {@link #read(byte[])}. */
  public static JsonNode read(String text) throws IOException {
    return read(text.getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode read(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT -> {
        ObjectNode o = NODES.objectNode();
        for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
          if (o.replace(key, read(p, p.nextToken())) != null) {
            throw new JsonParseException(p, "duplicate key \"" + key + "\"");
          }
        }
        return o;
      }
      case START_ARRAY -> {
        ArrayNode a = NODES.arrayNode();
        for (JsonToken x = p.nextToken(); x != JsonToken.END_ARRAY; x = p.nextToken()) {
          a.add(read(p, x));
        }
        return a;
      }
      case VALUE_STRING -> {
        return NODES.textNode(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return switch (p.getNumberType()) {
          case INT -> NODES.numberNode(p.getIntValue());
          case LONG -> NODES.numberNode(p.getLongValue());
          default -> NODES.numberNode(p.getBigIntegerValue());
        };
      }
      case VALUE_NUMBER_FLOAT -> {
        return NODES.numberNode(p.getDoubleValue());
      }
      case VALUE_TRUE -> {
        return NODES.booleanNode(true);
      }
      case VALUE_FALSE -> {
        return NODES.booleanNode(false);
      }
      case VALUE_NULL -> {
        return NODES.nullNode();
      }
      default -> throw new JsonParseException(p, "unexpected " + t);
    }
  }

  /** The tree as compact UTF-8 JSON. */
  public static byte[] bytes(JsonNode node) {
    return write(node, false);
  }

  /** The tree as indented JSON, for people to read. */
  public static String pretty(JsonNode node) {
    return new String(write(node, true), StandardCharsets.UTF_8);
  }

  private static byte[] write(JsonNode node, boolean pretty) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    try (JsonGenerator g = FACTORY.createGenerator(out)) {
      if (pretty) {
        g.setPrettyPrinter(new DefaultPrettyPrinter());
      }
      write(g, node);
    } catch (IOException e) {
      throw new UncheckedIOException("writing JSON into memory", e);
    }
    return out.toByteArray();
  }

  private static void write(JsonGenerator g, JsonNode n) throws IOException {
    switch (n.getNodeType()) {
      case OBJECT -> {
        g.writeStartObject();
        for (Map.Entry<String, JsonNode> e : n.properties()) {
          g.writeFieldName(e.getKey());
          write(g, e.getValue());
        }
        g.writeEndObject();
      }
      case ARRAY -> {
        g.writeStartArray();
        for (JsonNode child : n) {
          write(g, child);
        }
        g.writeEndArray();
      }
      case STRING -> g.writeString(n.textValue());
      case NUMBER -> {
        switch (n.numberType()) {
          case INT -> g.writeNumber(n.intValue());
          case LONG -> g.writeNumber(n.longValue());
          case BIG_INTEGER -> g.writeNumber(n.bigIntegerValue());
          case FLOAT -> g.writeNumber(n.floatValue());
          case DOUBLE -> g.writeNumber(n.doubleValue());
          default -> g.writeNumber(n.decimalValue());
        }
      }
      case BOOLEAN -> g.writeBoolean(n.booleanValue());
      case NULL -> g.writeNull();
      default -> throw new IllegalArgumentException("not a plain JSON node: " + n.getNodeType());
    }
  }
}
