package io.sifkube.node.v1.grpc;

import io.grpc.BindableService;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.sifkube.node.v1.ContainerEvent;
import io.sifkube.node.v1.ContainerLogsRequest;
import io.sifkube.node.v1.ContainerStatusRequest;
import io.sifkube.node.v1.ContainerStatusResponse;
import io.sifkube.node.v1.CreateContainerRequest;
import io.sifkube.node.v1.CreateContainerResponse;
import io.sifkube.node.v1.ExecSyncRequest;
import io.sifkube.node.v1.ExecSyncResponse;
import io.sifkube.node.v1.GetContainerEventsRequest;
import io.sifkube.node.v1.ListContainersRequest;
import io.sifkube.node.v1.ListContainersResponse;
import io.sifkube.node.v1.LogEntry;
import io.sifkube.node.v1.NodeInfoRequest;
import io.sifkube.node.v1.NodeInfoResponse;
import io.sifkube.node.v1.RemoveContainerRequest;
import io.sifkube.node.v1.RemoveContainerResponse;
import io.sifkube.node.v1.StartContainerRequest;
import io.sifkube.node.v1.StartContainerResponse;
import io.sifkube.node.v1.StopContainerRequest;
import io.sifkube.node.v1.StopContainerResponse;
import io.sifkube.node.v1.VersionRequest;
import io.sifkube.node.v1.VersionResponse;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;

/**
 * {@code sifkube.node.v1.RuntimeService} (runtime.proto): its methods, a server base and a client.
 */
public final class RuntimeServiceApi {

  /** The service's full name. */
  public static final String SERVICE = "sifkube.node.v1.RuntimeService";

  public static final MethodDescriptor<VersionRequest, VersionResponse> VERSION =
      Methods.unary(
          SERVICE,
          "Version",
          VersionRequest.getDefaultInstance(),
          VersionResponse.getDefaultInstance());
  public static final MethodDescriptor<NodeInfoRequest, NodeInfoResponse> NODE_INFO =
      Methods.unary(
          SERVICE,
          "NodeInfo",
          NodeInfoRequest.getDefaultInstance(),
          NodeInfoResponse.getDefaultInstance());
  public static final MethodDescriptor<CreateContainerRequest, CreateContainerResponse>
      CREATE_CONTAINER =
          Methods.unary(
              SERVICE,
              "CreateContainer",
              CreateContainerRequest.getDefaultInstance(),
              CreateContainerResponse.getDefaultInstance());
  public static final MethodDescriptor<StartContainerRequest, StartContainerResponse>
      START_CONTAINER =
          Methods.unary(
              SERVICE,
              "StartContainer",
              StartContainerRequest.getDefaultInstance(),
              StartContainerResponse.getDefaultInstance());
  public static final MethodDescriptor<StopContainerRequest, StopContainerResponse> STOP_CONTAINER =
      Methods.unary(
          SERVICE,
          "StopContainer",
          StopContainerRequest.getDefaultInstance(),
          StopContainerResponse.getDefaultInstance());
  public static final MethodDescriptor<RemoveContainerRequest, RemoveContainerResponse>
      REMOVE_CONTAINER =
          Methods.unary(
              SERVICE,
              "RemoveContainer",
              RemoveContainerRequest.getDefaultInstance(),
              RemoveContainerResponse.getDefaultInstance());
  public static final MethodDescriptor<ContainerStatusRequest, ContainerStatusResponse>
      CONTAINER_STATUS =
          Methods.unary(
              SERVICE,
              "ContainerStatus",
              ContainerStatusRequest.getDefaultInstance(),
              ContainerStatusResponse.getDefaultInstance());
  public static final MethodDescriptor<ListContainersRequest, ListContainersResponse>
      LIST_CONTAINERS =
          Methods.unary(
              SERVICE,
              "ListContainers",
              ListContainersRequest.getDefaultInstance(),
              ListContainersResponse.getDefaultInstance());
  public static final MethodDescriptor<ContainerLogsRequest, LogEntry> CONTAINER_LOGS =
      Methods.serverStreaming(
          SERVICE,
          "ContainerLogs",
          ContainerLogsRequest.getDefaultInstance(),
          LogEntry.getDefaultInstance());
  public static final MethodDescriptor<GetContainerEventsRequest, ContainerEvent>
      GET_CONTAINER_EVENTS =
          Methods.serverStreaming(
              SERVICE,
              "GetContainerEvents",
              GetContainerEventsRequest.getDefaultInstance(),
              ContainerEvent.getDefaultInstance());
  public static final MethodDescriptor<ExecSyncRequest, ExecSyncResponse> EXEC_SYNC =
      Methods.unary(
          SERVICE,
          "ExecSync",
          ExecSyncRequest.getDefaultInstance(),
          ExecSyncResponse.getDefaultInstance());

  private RuntimeServiceApi() {}

  /** The server side: override the methods served; the others answer UNIMPLEMENTED. */
  public abstract static class Service implements BindableService {

    public void version(VersionRequest request, StreamObserver<VersionResponse> out) {
      ImageServiceApi.unimplemented(out);
    }

    public void nodeInfo(NodeInfoRequest request, StreamObserver<NodeInfoResponse> out) {
      ImageServiceApi.unimplemented(out);
    }

    public void createContainer(
        CreateContainerRequest request, StreamObserver<CreateContainerResponse> out) {
      ImageServiceApi.unimplemented(out);
    }

    public void startContainer(
        StartContainerRequest request, StreamObserver<StartContainerResponse> out) {
      ImageServiceApi.unimplemented(out);
    }

    public void stopContainer(
        StopContainerRequest request, StreamObserver<StopContainerResponse> out) {
      ImageServiceApi.unimplemented(out);
    }

    public void removeContainer(
        RemoveContainerRequest request, StreamObserver<RemoveContainerResponse> out) {
      ImageServiceApi.unimplemented(out);
    }

    public void containerStatus(
        ContainerStatusRequest request, StreamObserver<ContainerStatusResponse> out) {
      ImageServiceApi.unimplemented(out);
    }

    public void listContainers(
        ListContainersRequest request, StreamObserver<ListContainersResponse> out) {
      ImageServiceApi.unimplemented(out);
    }

    public void containerLogs(ContainerLogsRequest request, StreamObserver<LogEntry> out) {
      ImageServiceApi.unimplemented(out);
    }

    public void getContainerEvents(
        GetContainerEventsRequest request, StreamObserver<ContainerEvent> out) {
      ImageServiceApi.unimplemented(out);
    }

    public void execSync(ExecSyncRequest request, StreamObserver<ExecSyncResponse> out) {
      ImageServiceApi.unimplemented(out);
    }

    @Override
    public final ServerServiceDefinition bindService() {
      return ServerServiceDefinition.builder(SERVICE)
          .addMethod(VERSION, ServerCalls.asyncUnaryCall(this::version))
          .addMethod(NODE_INFO, ServerCalls.asyncUnaryCall(this::nodeInfo))
          .addMethod(CREATE_CONTAINER, ServerCalls.asyncUnaryCall(this::createContainer))
          .addMethod(START_CONTAINER, ServerCalls.asyncUnaryCall(this::startContainer))
          .addMethod(STOP_CONTAINER, ServerCalls.asyncUnaryCall(this::stopContainer))
          .addMethod(REMOVE_CONTAINER, ServerCalls.asyncUnaryCall(this::removeContainer))
          .addMethod(CONTAINER_STATUS, ServerCalls.asyncUnaryCall(this::containerStatus))
          .addMethod(LIST_CONTAINERS, ServerCalls.asyncUnaryCall(this::listContainers))
          .addMethod(CONTAINER_LOGS, ServerCalls.asyncServerStreamingCall(this::containerLogs))
          .addMethod(
              GET_CONTAINER_EVENTS, ServerCalls.asyncServerStreamingCall(this::getContainerEvents))
          .addMethod(EXEC_SYNC, ServerCalls.asyncUnaryCall(this::execSync))
          .build();
    }
  }

  /**
   * A client: blocking calls, which throw {@link io.grpc.StatusRuntimeException} on failure, and
   * asynchronous ones for the streams.
   */
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

    public VersionResponse version(VersionRequest request) {
      return ClientCalls.blockingUnaryCall(channel, VERSION, options, request);
    }

    public NodeInfoResponse nodeInfo(NodeInfoRequest request) {
      return ClientCalls.blockingUnaryCall(channel, NODE_INFO, options, request);
    }

    public CreateContainerResponse createContainer(CreateContainerRequest request) {
      return ClientCalls.blockingUnaryCall(channel, CREATE_CONTAINER, options, request);
    }

    public StartContainerResponse startContainer(StartContainerRequest request) {
      return ClientCalls.blockingUnaryCall(channel, START_CONTAINER, options, request);
    }

    public StopContainerResponse stopContainer(StopContainerRequest request) {
      return ClientCalls.blockingUnaryCall(channel, STOP_CONTAINER, options, request);
    }

    public RemoveContainerResponse removeContainer(RemoveContainerRequest request) {
      return ClientCalls.blockingUnaryCall(channel, REMOVE_CONTAINER, options, request);
    }

    public ContainerStatusResponse containerStatus(ContainerStatusRequest request) {
      return ClientCalls.blockingUnaryCall(channel, CONTAINER_STATUS, options, request);
    }

    public ListContainersResponse listContainers(ListContainersRequest request) {
      return ClientCalls.blockingUnaryCall(channel, LIST_CONTAINERS, options, request);
    }

    public Iterator<LogEntry> containerLogs(ContainerLogsRequest request) {
      return ClientCalls.blockingServerStreamingCall(channel, CONTAINER_LOGS, options, request);
    }

    public void containerLogs(ContainerLogsRequest request, StreamObserver<LogEntry> observer) {
      ClientCalls.asyncServerStreamingCall(
          channel.newCall(CONTAINER_LOGS, options), request, observer);
    }

    public Iterator<ContainerEvent> getContainerEvents(GetContainerEventsRequest request) {
      return ClientCalls.blockingServerStreamingCall(
          channel, GET_CONTAINER_EVENTS, options, request);
    }

    public void getContainerEvents(
        GetContainerEventsRequest request, StreamObserver<ContainerEvent> observer) {
      ClientCalls.asyncServerStreamingCall(
          channel.newCall(GET_CONTAINER_EVENTS, options), request, observer);
    }

    public ExecSyncResponse execSync(ExecSyncRequest request) {
      return ClientCalls.blockingUnaryCall(channel, EXEC_SYNC, options, request);
    }
  }
}
