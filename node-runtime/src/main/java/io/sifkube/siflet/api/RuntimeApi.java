package io.sifkube.siflet.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.sifkube.node.v1.ContainerEvent;
import io.sifkube.node.v1.ContainerEventType;
import io.sifkube.node.v1.ContainerLogsRequest;
import io.sifkube.node.v1.ContainerState;
import io.sifkube.node.v1.ContainerStatus;
import io.sifkube.node.v1.ContainerStatusRequest;
import io.sifkube.node.v1.ContainerStatusResponse;
import io.sifkube.node.v1.CreateContainerRequest;
import io.sifkube.node.v1.CreateContainerResponse;
import io.sifkube.node.v1.ExecSyncRequest;
import io.sifkube.node.v1.ExecSyncResponse;
import io.sifkube.node.v1.GetContainerEventsRequest;
import io.sifkube.node.v1.InjectedDevice;
import io.sifkube.node.v1.ListContainersRequest;
import io.sifkube.node.v1.ListContainersResponse;
import io.sifkube.node.v1.LogEntry;
import io.sifkube.node.v1.LogStream;
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
import io.sifkube.node.v1.grpc.RuntimeServiceApi;
import io.sifkube.runtime.LogReader;
import io.sifkube.runtime.OciLifecycle;
import io.sifkube.siflet.SifletException;
import io.sifkube.siflet.containers.ContainerRecord;
import io.sifkube.siflet.containers.Containers;
import io.sifkube.siflet.devices.DeviceInventory;
import io.sifkube.siflet.images.ImageStore;
import io.sifkube.siflet.server.EndlessCalls;
import io.sifkube.siflet.server.Metrics;
import io.sifkube.spec.RunOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** The RuntimeService of runtime.proto, over {@link Containers} and {@link ImageStore}. */
public final class RuntimeApi extends RuntimeServiceApi.Service implements EndlessCalls {

  private final Containers containers;
  private final ImageStore images;
  private final NodeFacts node;
  private final DeviceInventory devices;
  private final Metrics metrics;
  private final Consumer<String> log;
  private final EventStreams streams;

  /** Where Localhost seccomp profiles are (siflet's seccomp-profile-root). */
  private final Path seccompRoot;

  public RuntimeApi(
      Containers containers,
      ImageStore images,
      NodeFacts node,
      DeviceInventory devices,
      Metrics metrics,
      Consumer<String> log,
      Path seccompRoot) {
    this.seccompRoot = seccompRoot;
    this.containers = containers;
    this.streams = new EventStreams(containers);
    this.images = images;
    this.node = node;
    this.devices = devices;
    this.metrics = metrics;
    this.log = log;
  }

  @Override
  public void version(VersionRequest req, StreamObserver<VersionResponse> out) {
    Statuses.answer(out, log, node::version);
  }

  @Override
  public void nodeInfo(NodeInfoRequest req, StreamObserver<NodeInfoResponse> out) {
    Statuses.answer(out, log, node::info);
  }

  @Override
  public void createContainer(
      CreateContainerRequest req, StreamObserver<CreateContainerResponse> out) {
    Statuses.answer(
        out,
        log,
        () -> {
          ConfigMapping.checkId(req.getId());
          Optional<ContainerRecord> existing = containers.get(req.getId());
          if (existing.isPresent()) {
            return CreateContainerResponse.newBuilder()
                .setStatus(toProto(startIfAsked(req, existing.get())))
                .setCreated(false)
                .build();
          }
          RunOptions opts =
              ConfigMapping.toRunOptions(req.getConfig(), devices::resolve, log, seccompRoot);
          String name = req.getConfig().getImage();
          Optional<ImageStore.Image> img = images.status(name);
          Path sif;
          String image;
          if (img.isPresent()) {
            sif = img.get().file();
            image = img.get().manifest().toString();
            images.touch(img.get().manifest());
          } else if (name.startsWith("/") && Files.isRegularFile(Path.of(name))) {
            sif = Path.of(name);
            image = name;
          } else {
            throw SifletException.notFound(
                "config.image: " + name + " is not pulled on this node (PullImage it first)");
          }
          Containers.Created c =
              containers.create(
                  req.getId(),
                  image,
                  sif,
                  opts,
                  req.getLabelsMap(),
                  ConfigMapping.checkSandbox(req.getConfig().getSandbox()));
          return CreateContainerResponse.newBuilder()
              .setStatus(toProto(startIfAsked(req, c.record())))
              .setCreated(c.created())
              .build();
        });
  }

  /** With {@code start}, starts a container not yet started; the record as it is afterwards. */
  private ContainerRecord startIfAsked(CreateContainerRequest req, ContainerRecord r)
      throws java.io.IOException {
    if (!req.getStart()) {
      return r;
    }
    long t0 = System.nanoTime();
    if (containers.startIfCreated(r.id())) {
      metrics.started(System.nanoTime() - t0);
    }
    return containers.get(r.id()).orElse(r);
  }

  @Override
  public void startContainer(
      StartContainerRequest req, StreamObserver<StartContainerResponse> out) {
    Statuses.answer(
        out,
        log,
        () -> {
          long t0 = System.nanoTime();
          containers.start(req.getId());
          metrics.started(System.nanoTime() - t0);
          return StartContainerResponse.getDefaultInstance();
        });
  }

  @Override
  public void stopContainer(StopContainerRequest req, StreamObserver<StopContainerResponse> out) {
    Statuses.answer(
        out,
        log,
        () -> {
          if (req.getTimeoutSeconds() < 0) {
            throw SifletException.invalid("timeout_seconds: must not be negative");
          }
          containers.stop(req.getId(), req.getTimeoutSeconds());
          return StopContainerResponse.getDefaultInstance();
        });
  }

  @Override
  public void removeContainer(
      RemoveContainerRequest req, StreamObserver<RemoveContainerResponse> out) {
    Statuses.answer(
        out,
        log,
        () -> {
          ConfigMapping.checkId(req.getId());
          containers.remove(req.getId());
          return RemoveContainerResponse.getDefaultInstance();
        });
  }

  @Override
  public void containerStatus(
      ContainerStatusRequest req, StreamObserver<ContainerStatusResponse> out) {
    Statuses.answer(
        out,
        log,
        () ->
            ContainerStatusResponse.newBuilder().setStatus(toProto(require(req.getId()))).build());
  }

  @Override
  public void listContainers(
      ListContainersRequest req, StreamObserver<ListContainersResponse> out) {
    Statuses.answer(
        out,
        log,
        () -> {
          ListContainersResponse.Builder b = ListContainersResponse.newBuilder();
          for (ContainerRecord r : containers.list()) {
            ContainerStatus s = toProto(r);
            boolean labels =
                req.getLabelSelectorMap().entrySet().stream()
                    .allMatch(e -> e.getValue().equals(r.labels().get(e.getKey())));
            boolean state =
                req.getState() == ContainerState.CONTAINER_STATE_UNSPECIFIED
                    || req.getState() == s.getState();
            if (labels && state) {
              b.addContainers(s);
            }
          }
          return b.build();
        });
  }

  @Override
  public void containerLogs(ContainerLogsRequest req, StreamObserver<LogEntry> out) {
    try {
      require(req.getId());
      if (ContainerLogs.stream(
          containers, req, (ServerCallStreamObserver<LogEntry>) out, streams::stopping)) {
        out.onCompleted();
      } else {
        out.onError(STOPPING.asException());
      }
    } catch (Exception e) {
      out.onError(Statuses.toStatus(e, log));
    }
  }

  @Override
  public void getContainerEvents(
      GetContainerEventsRequest req, StreamObserver<ContainerEvent> out) {
    streams.open(
        (ServerCallStreamObserver<ContainerEvent>) out,
        e -> {
          ContainerEventType type = eventType(e.type());
          if (!req.getId().isEmpty() && !req.getId().equals(e.record().id())
              || req.getTypesCount() > 0 && !req.getTypesList().contains(type)) {
            return null;
          }
          ContainerEvent.Builder ev =
              ContainerEvent.newBuilder()
                  .setId(e.record().id())
                  .setType(type)
                  .setTime(timestamp(System.currentTimeMillis()))
                  .setStatus(toProto(e.record()));
          if (type == ContainerEventType.CONTAINER_STOPPED_EVENT && req.getOutputTailBytes() > 0) {
            // The client would ask for the log next; it comes with the event instead.
            OutputTail.read(containers.logFile(e.record().id()), req.getOutputTailBytes())
                .ifPresent(ev::setOutputTail);
          }
          return ev.build();
        });
  }

  /** How many GetContainerEvents streams are open. */
  int openEventStreams() {
    return streams.size();
  }

  @Override
  public void endCalls() {
    streams.endAll(); // and logs followed end at their next look
  }

  @Override
  public void execSync(ExecSyncRequest req, StreamObserver<ExecSyncResponse> out) {
    Statuses.answer(
        out,
        log,
        () -> {
          if (req.getCommandCount() == 0) {
            throw SifletException.invalid("command: required");
          }
          if (req.getTimeoutSeconds() < 0) {
            throw SifletException.invalid("timeout_seconds: must not be negative");
          }
          OciLifecycle.ExecResult r =
              containers.exec(req.getId(), req.getCommandList(), req.getTimeoutSeconds());
          return ExecSyncResponse.newBuilder()
              .setStdout(ByteString.copyFrom(r.stdout()))
              .setStderr(ByteString.copyFrom(r.stderr()))
              .setExitCode(r.exitCode())
              .build();
        });
  }

  private ContainerRecord require(String id) throws SifletException {
    ConfigMapping.checkId(id);
    return containers.get(id).orElseThrow(() -> SifletException.notFound("no container " + id));
  }

  private static ContainerEventType eventType(String type) {
    return switch (type) {
      case Containers.Event.CREATED -> ContainerEventType.CONTAINER_CREATED_EVENT;
      case Containers.Event.STARTED -> ContainerEventType.CONTAINER_STARTED_EVENT;
      case Containers.Event.STOPPED -> ContainerEventType.CONTAINER_STOPPED_EVENT;
      case Containers.Event.DELETED -> ContainerEventType.CONTAINER_DELETED_EVENT;
      default -> ContainerEventType.CONTAINER_EVENT_UNSPECIFIED;
    };
  }

  ContainerStatus toProto(ContainerRecord r) {
    ContainerStatus.Builder b =
        ContainerStatus.newBuilder()
            .setId(r.id())
            .setState(state(r.state()))
            .setExitCode(r.exitCode())
            .setReason(r.reason())
            .setMessage(r.message())
            .setImageDigest(r.image())
            .putAllLabels(r.labels());
    for (ContainerRecord.Device d : r.devices()) {
      b.addDevices(
          InjectedDevice.newBuilder()
              .setName(d.name())
              .setSpecPath(d.specPath())
              .setSpecSha256(d.specSha256())
              .setCdiVersion(d.cdiVersion())
              .addAllNodes(d.nodes()));
    }
    try {
      b.setPid(containers.pid(r.id()));
    } catch (java.io.IOException e) {
      // no pid to show
    }
    if (r.createdAt() > 0) {
      b.setCreatedAt(timestamp(r.createdAt()));
    }
    if (r.startedAt() > 0) {
      b.setStartedAt(timestamp(r.startedAt()));
    }
    if (r.finishedAt() > 0) {
      b.setFinishedAt(timestamp(r.finishedAt()));
    }
    return b.build();
  }

  private static ContainerState state(String s) {
    return switch (s) {
      case ContainerRecord.CREATED, ContainerRecord.CREATING -> ContainerState.CONTAINER_CREATED;
      case ContainerRecord.RUNNING -> ContainerState.CONTAINER_RUNNING;
      case ContainerRecord.EXITED -> ContainerState.CONTAINER_EXITED;
      default -> ContainerState.CONTAINER_UNKNOWN;
    };
  }

  static Timestamp timestamp(long millis) {
    return Timestamp.newBuilder()
        .setSeconds(Math.floorDiv(millis, 1000))
        .setNanos((int) Math.floorMod(millis, 1000) * 1_000_000)
        .build();
  }

  /** Streams a container's log: what is there, then, with follow, what comes until it ends. */
  static final class ContainerLogs {
    private ContainerLogs() {}

    /** False when a followed log was left because siflet is {@code stopping}. */
    static boolean stream(
        Containers containers,
        ContainerLogsRequest req,
        ServerCallStreamObserver<LogEntry> out,
        java.util.function.BooleanSupplier stopping)
        throws java.io.IOException, InterruptedException {
      Path file = containers.logFile(req.getId());
      Instant since =
          req.hasSince()
              ? Instant.ofEpochSecond(req.getSince().getSeconds(), req.getSince().getNanos())
              : null;
      try (LogReader log = LogReader.open(file, since)) {
        send(log.existing(req.getTailLines()), out);
        // With follow, on from the end of what was sent: the true end of the file.
        while (req.getFollow() && !out.isCancelled()) {
          if (stopping.getAsBoolean()) {
            return false;
          }
          Optional<ContainerRecord> r = containers.get(req.getId());
          boolean ended = r.isEmpty() || r.get().ended();
          Thread.sleep(100);
          List<LogReader.Line> more = log.more();
          send(more, out);
          if (ended && more.isEmpty()) {
            return true; // it had ended before this read, and the read found nothing new
          }
        }
      }
      return true;
    }

    private static void send(List<LogReader.Line> lines, StreamObserver<LogEntry> out) {
      for (LogReader.Line l : lines) {
        out.onNext(
            LogEntry.newBuilder()
                .setTime(
                    Timestamp.newBuilder()
                        .setSeconds(l.time().getEpochSecond())
                        .setNanos(l.time().getNano()))
                .setStream(l.stderr() ? LogStream.STDERR : LogStream.STDOUT)
                .setLine(ByteString.copyFrom(l.text()))
                .setPartial(l.partial())
                .build());
      }
    }
  }
}
