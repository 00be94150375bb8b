package io.sifkube.cdi;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.sifkube.json.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A spec file's document before it is read as a spec: objects, arrays and scalars that keep the
 * text they were written as and their line. YAML is parsed by Jackson's YAML module, whose scalar
 * typing is YAML 1.1's as the reference's go-yaml v2 reads it ({@code 0600} is the integer 384,
 * {@code yes} is true, {@code 1:0} is a string); keeping the text lets {@link SpecReader} refuse a
 * scalar whose meaning a string field would bend. JSON goes through Sifkube's strict reader.
 * Duplicate keys are refused in both.
 */
final class SpecTree {

  private static final YAMLFactory YAML =
      YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  private SpecTree() {}

  /** A node of the document. */
  sealed interface Node permits Obj, Arr, Scalar {
    int line();
  }

  /** A mapping, in document order. */
  record Obj(Map<String, Node> fields, int line) implements Node {}

  /** A sequence. */
  record Arr(List<Node> items, int line) implements Node {}

  /** A scalar: its type as the parser resolved it, its text, and its value when a number. */
  record Scalar(Kind kind, String text, Number number, int line) implements Node {}

  /** Scalar types. */
  enum Kind {
    STRING,
    INT,
    FLOAT,
    BOOL,
    NULL
  }

  /** Reads one YAML document. */
  static Node yaml(byte[] bytes) throws IOException {
    try (JsonParser p = YAML.createParser(bytes)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new CdiException("empty document");
      }
      Node root = value(p, t);
      JsonToken after = p.nextToken();
      if (after != null) {
        throw new CdiException(
            "line " + line(p) + ": a second YAML document; a spec file holds one");
      }
      return root;
    }
  }

  /** Reads one JSON document. */
  static Node json(byte[] bytes) throws IOException {
    if (bytes.length == 0) {
      throw new CdiException("empty document");
    }
    return fromJson(Json.read(bytes));
  }

  private static Node value(JsonParser p, JsonToken t) throws IOException {
    int line = line(p);
    if (p instanceof YAMLParser y && y.isCurrentAlias()) {
      throw new CdiException("line " + line + ": YAML aliases are not supported in spec files");
    }
    switch (t) {
      case START_OBJECT -> {
        Map<String, Node> fields = new LinkedHashMap<>();
        for (JsonToken n = p.nextToken(); n != JsonToken.END_OBJECT; n = p.nextToken()) {
          String key = p.currentName();
          fields.put(key, value(p, p.nextToken()));
        }
        return new Obj(fields, line);
      }
      case START_ARRAY -> {
        List<Node> items = new ArrayList<>();
        for (JsonToken n = p.nextToken(); n != JsonToken.END_ARRAY; n = p.nextToken()) {
          items.add(value(p, n));
        }
        return new Arr(items, line);
      }
      case VALUE_STRING -> {
        return new Scalar(Kind.STRING, p.getText(), null, line);
      }
      case VALUE_NUMBER_INT -> {
        return new Scalar(Kind.INT, p.getText(), p.getNumberValue(), line);
      }
      case VALUE_NUMBER_FLOAT -> {
        return new Scalar(Kind.FLOAT, p.getText(), null, line);
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return new Scalar(Kind.BOOL, p.getText(), null, line);
      }
      case VALUE_NULL -> {
        return new Scalar(Kind.NULL, p.getText(), null, line);
      }
      default -> throw new CdiException("line " + line + ": unexpected " + t);
    }
  }

  private static int line(JsonParser p) {
    return p.currentTokenLocation().getLineNr();
  }

  /** JSON has one spelling per value, so a node's text is its source text. Lines are not kept. */
  private static Node fromJson(JsonNode n) {
    if (n.isObject()) {
      Map<String, Node> fields = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        fields.put(e.getKey(), fromJson(e.getValue()));
      }
      return new Obj(fields, 0);
    }
    if (n.isArray()) {
      List<Node> items = new ArrayList<>();
      n.forEach(i -> items.add(fromJson(i)));
      return new Arr(items, 0);
    }
    if (n.isTextual()) {
      return new Scalar(Kind.STRING, n.textValue(), null, 0);
    }
    if (n.isIntegralNumber()) {
      return new Scalar(Kind.INT, n.asText(), n.numberValue(), 0);
    }
    if (n.isNumber()) {
      return new Scalar(Kind.FLOAT, n.asText(), null, 0);
    }
    if (n.isBoolean()) {
      return new Scalar(Kind.BOOL, n.asText(), null, 0);
    }
    return new Scalar(Kind.NULL, "null", null, 0);
  }
}
