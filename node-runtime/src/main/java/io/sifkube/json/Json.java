package io.sifkube.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
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
 * JSON trees (Jackson's {@link JsonNode}s) read by {@link JsonReader} and written with Jackson's
 * streaming generator, without an {@code ObjectMapper}.
 *
 * <p>Sifkube's documents — OCI manifests and configs, runtime specs, runtime state — are trees,
 * never data-bound beans, and the mapper's configuration, serializer and deserializer machinery
 * cost a one-shot {@code sifctl exec} about 100 ms of its start here against a few for this.
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
    return JsonReader.read(bytes);
  }

  /** Parses one JSON document from text; see {@link #read(byte[])}. */
  public static JsonNode read(String text) throws IOException {
    return read(text.getBytes(StandardCharsets.UTF_8));
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
