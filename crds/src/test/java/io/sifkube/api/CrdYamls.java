package io.sifkube.api;

import com.fasterxml.jackson.annotation.JsonClassDescription;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.crdv2.generator.CRDPostProcessor;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.sifkube.api.v1alpha1.SifImage;
import io.sifkube.api.v1alpha1.SifNode;
import io.sifkube.api.v1alpha1.SifRun;
import io.sifkube.api.v1alpha1.SifRunSpec;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Generates the CRD YAMLs from the model with fabric8's CRD generator, then polishes what the
 * generator cannot be told: printer columns in the order the annotations list them (it sorts them),
 * and descriptions of the resource, its spec and its status from {@link JsonClassDescription}.
 */
final class CrdYamls {

  static final List<Class<? extends CustomResource<?, ?>>> RESOURCES =
      List.of(SifImage.class, SifRun.class, SifNode.class);

  /**
   * Specs of which exactly one of these fields must be set (SifRunSpec: image or source). A 1.20
   * API server has no CEL rules; a oneOf of required fields says it.
   */
  private static final Map<Class<?>, List<String>> EXACTLY_ONE_OF =
      Map.of(SifRunSpec.class, List.of("image", "source"));

  private CrdYamls() {}

  /** Writes {@code <plural>.sifkube.io-v1.yml} for each resource into {@code dir}. */
  static void generate(Path dir) {
    new CRDGenerator()
        .inOutputDir(dir.toFile())
        .forCRDVersions("v1")
        .withMinQuotes(true)
        .withPostProcessor(new Polish())
        .customResourceClasses(new ArrayList<>(RESOURCES))
        .generate();
  }

  private static final class Polish implements CRDPostProcessor {
    @Override
    public HasMetadata process(HasMetadata crd, String version) {
      CustomResourceDefinition d = (CustomResourceDefinition) crd;
      Class<?> type =
          RESOURCES.stream()
              .filter(c -> c.getSimpleName().equals(d.getSpec().getNames().getKind()))
              .findFirst()
              .orElseThrow();
      for (CustomResourceDefinitionVersion v : d.getSpec().getVersions()) {
        v.setAdditionalPrinterColumns(ordered(type, v.getAdditionalPrinterColumns()));
        JSONSchemaProps root = v.getSchema().getOpenAPIV3Schema();
        root.setDescription(description(type));
        Map<String, JSONSchemaProps> props = root.getProperties();
        var args = ((ParameterizedType) type.getGenericSuperclass()).getActualTypeArguments();
        props.get("spec").setDescription(description((Class<?>) args[0]));
        props.get("status").setDescription(description((Class<?>) args[1]));
        constrain((Class<?>) args[0], props.get("spec"));
      }
      return d;
    }

    /**
     * What the generator drops: {@code @Pattern} on a list applies to its items, and
     * {@code @Pattern}/{@code @Min} on a quantity (int-or-string) to the string and the integer
     * form; a spec with fields of which exactly one must be set gets a {@code oneOf} of their
     * {@code required}, the one form of it a structural schema (and so a 1.20 API server) allows.
     */
    private static void constrain(Class<?> model, JSONSchemaProps schema) {
      List<String> exactlyOne = EXACTLY_ONE_OF.get(model);
      if (exactlyOne != null) {
        schema.setOneOf(
            exactlyOne.stream()
                .map(f -> new JSONSchemaPropsBuilder().withRequired(f).build())
                .toList());
      }
      for (Field f : model.getFields()) {
        JSONSchemaProps p =
            schema.getProperties() == null ? null : schema.getProperties().get(f.getName());
        if (p == null || Modifier.isStatic(f.getModifiers())) {
          continue;
        }
        Pattern pattern = f.getAnnotation(Pattern.class);
        Min min = f.getAnnotation(Min.class);
        boolean intOrString = Boolean.TRUE.equals(p.getXKubernetesIntOrString());
        if (pattern != null && "array".equals(p.getType())) {
          p.getItems().getSchema().setPattern(pattern.value());
        } else if (pattern != null && intOrString) {
          p.setPattern(pattern.value());
        }
        if (min != null && intOrString) {
          p.setMinimum(min.value());
        }
        Class<?> inner = f.getType();
        JSONSchemaProps innerSchema = p;
        if (List.class.isAssignableFrom(inner)
            && f.getGenericType() instanceof ParameterizedType t
            && t.getActualTypeArguments()[0] instanceof Class<?> item) {
          inner = item;
          innerSchema = p.getItems() == null ? null : p.getItems().getSchema();
        }
        if (innerSchema != null && inner.getPackageName().startsWith("io.sifkube.api")) {
          constrain(inner, innerSchema);
        }
      }
    }

    private static List<CustomResourceColumnDefinition> ordered(
        Class<?> type, List<CustomResourceColumnDefinition> columns) {
      List<CustomResourceColumnDefinition> out = new ArrayList<>();
      for (AdditionalPrinterColumn a : type.getAnnotationsByType(AdditionalPrinterColumn.class)) {
        columns.stream().filter(c -> c.getName().equals(a.name())).forEach(out::add);
      }
      return out;
    }

    private static String description(Class<?> c) {
      JsonClassDescription d = c.getAnnotation(JsonClassDescription.class);
      if (d == null) {
        throw new IllegalStateException(c + " needs a @JsonClassDescription");
      }
      return d.value();
    }
  }
}
