package io.sifkube.node.v1.grpc;

import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.sifkube.node.v1.ImageFsInfoRequest;
import io.sifkube.node.v1.ImageFsInfoResponse;
import io.sifkube.node.v1.ImageStatusRequest;
import io.sifkube.node.v1.ImageStatusResponse;
import io.sifkube.node.v1.ListImagesRequest;
import io.sifkube.node.v1.ListImagesResponse;
import io.sifkube.node.v1.PullImageEvent;
import io.sifkube.node.v1.PullImageRequest;
import io.sifkube.node.v1.RemoveImageRequest;
import io.sifkube.node.v1.RemoveImageResponse;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/** {@code sifkube.node.v1.ImageService} (image.proto): its methods, a server base and a client. */
public final class ImageServiceApi {

  /** The service's full name. */
  public static final String SERVICE = "sifkube.node.v1.ImageService";

  public static final MethodDescriptor<PullImageRequest, PullImageEvent> PULL_IMAGE =
      Methods.serverStreaming(
          SERVICE,
          "PullImage",
          PullImageRequest.getDefaultInstance(),
          PullImageEvent.getDefaultInstance());
  public static final MethodDescriptor<ImageStatusRequest, ImageStatusResponse> IMAGE_STATUS =
      Methods.unary(
          SERVICE,
          "ImageStatus",
          ImageStatusRequest.getDefaultInstance(),
          ImageStatusResponse.getDefaultInstance());
  public static final MethodDescriptor<ListImagesRequest, ListImagesResponse> LIST_IMAGES =
      Methods.unary(
          SERVICE,
          "ListImages",
          ListImagesRequest.getDefaultInstance(),
          ListImagesResponse.getDefaultInstance());
  public static final MethodDescriptor<RemoveImageRequest, RemoveImageResponse> REMOVE_IMAGE =
      Methods.unary(
          SERVICE,
          "RemoveImage",
          RemoveImageRequest.getDefaultInstance(),
          RemoveImageResponse.getDefaultInstance());
  public static final MethodDescriptor<ImageFsInfoRequest, ImageFsInfoResponse> IMAGE_FS_INFO =
      Methods.unary(
          SERVICE,
          "ImageFsInfo",
          ImageFsInfoRequest.getDefaultInstance(),
          ImageFsInfoResponse.getDefaultInstance());

  private ImageServiceApi() {}

  /** The server side: override the methods served; the others answer UNIMPLEMENTED. */
  public abstract static class Service implements BindableService {

    public void pullImage(PullImageRequest request, StreamObserver<PullImageEvent> out) {
      unimplemented(out);
    }

    public void imageStatus(ImageStatusRequest request, StreamObserver<ImageStatusResponse> out) {
      unimplemented(out);
    }

    public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> out) {
      unimplemented(out);
    }

    public void removeImage(RemoveImageRequest request, StreamObserver<RemoveImageResponse> out) {
      unimplemented(out);
    }

    public void imageFsInfo(ImageFsInfoRequest request, StreamObserver<ImageFsInfoResponse> out) {
      unimplemented(out);
    }

    @Override
    public final ServerServiceDefinition bindService() {
      return ServerServiceDefinition.builder(SERVICE)
          .addMethod(PULL_IMAGE, ServerCalls.asyncServerStreamingCall(this::pullImage))
          .addMethod(IMAGE_STATUS, ServerCalls.asyncUnaryCall(this::imageStatus))
          .addMethod(LIST_IMAGES, ServerCalls.asyncUnaryCall(this::listImages))
          .addMethod(REMOVE_IMAGE, ServerCalls.asyncUnaryCall(this::removeImage))
          .addMethod(IMAGE_FS_INFO, ServerCalls.asyncUnaryCall(this::imageFsInfo))
          .build();
    }
  }

  static void unimplemented(StreamObserver<?> out) {
    out.onError(Status.UNIMPLEMENTED.withDescription("not served by this siflet").asException());
  }

  /** A blocking client. Calls throw {@link io.grpc.StatusRuntimeException} on failure. */
  public static final class Client {
    private final Channel channel;
    private final CallOptions options;

    public Client(Channel channel) {
      this(channel, CallOptions.DEFAULT);
    }

    private Client(Channel channel, CallOptions options) {
      this.channel = channel;
      this.options = options;
    }

    /** The same client with a deadline on each call. */
    public Client withDeadline(long duration, TimeUnit unit) {
      return new Client(channel, CallOptions.DEFAULT.withDeadlineAfter(duration, unit));
    }

    public Iterator<PullImageEvent> pullImage(PullImageRequest request) {
      return ClientCalls.blockingServerStreamingCall(channel, PULL_IMAGE, options, request);
    }

    public ImageStatusResponse imageStatus(ImageStatusRequest request) {
      return ClientCalls.blockingUnaryCall(channel, IMAGE_STATUS, options, request);
    }

    public ListImagesResponse listImages(ListImagesRequest request) {
      return ClientCalls.blockingUnaryCall(channel, LIST_IMAGES, options, request);
    }

    public RemoveImageResponse removeImage(RemoveImageRequest request) {
      return ClientCalls.blockingUnaryCall(channel, REMOVE_IMAGE, options, request);
    }

    public ImageFsInfoResponse imageFsInfo(ImageFsInfoRequest request) {
      return ClientCalls.blockingUnaryCall(channel, IMAGE_FS_INFO, options, request);
    }
  }
}
