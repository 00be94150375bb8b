package io.sifkube.node.v1.grpc;

import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.protobuf.ProtoUtils;

/**
 * Builds gRPC method descriptors for protobuf messages, the part of grpc's code generator we need:
 * its protoc plugin is not available for this build (see proto/pom.xml), and a descriptor is all a
 * server or client call needs.
 */
final class Methods {

  private Methods() {}

  static <Q extends Message, R extends Message> MethodDescriptor<Q, R> unary(
      String service, String method, Q request, R response) {
    return build(service, method, MethodDescriptor.MethodType.UNARY, request, response);
  }

  static <Q extends Message, R extends Message> MethodDescriptor<Q, R> serverStreaming(
      String service, String method, Q request, R response) {
    return build(service, method, MethodDescriptor.MethodType.SERVER_STREAMING, request, response);
  }

  private static <Q extends Message, R extends Message> MethodDescriptor<Q, R> build(
      String service, String method, MethodDescriptor.MethodType type, Q request, R response) {
    return MethodDescriptor.<Q, R>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(service, method))
        .setRequestMarshaller(ProtoUtils.marshaller(request))
        .setResponseMarshaller(ProtoUtils.marshaller(response))
        .setSampledToLocalTracing(true)
        .build();
  }
}
