package io.sifkube.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.sifkube.node.v1.ContainerConfig;
import io.sifkube.node.v1.ContainerLogsRequest;
import io.sifkube.node.v1.ContainerState;
import io.sifkube.node.v1.ContainerStatus;
import io.sifkube.node.v1.ContainerStatusRequest;
import io.sifkube.node.v1.CreateContainerRequest;
import io.sifkube.node.v1.Image;
import io.sifkube.node.v1.ImageStatusRequest;
import io.sifkube.node.v1.ListContainersRequest;
import io.sifkube.node.v1.ListImagesRequest;
import io.sifkube.node.v1.LogEntry;
import io.sifkube.node.v1.LogStream;
import io.sifkube.node.v1.PullImageEvent;
import io.sifkube.node.v1.PullImageRequest;
import io.sifkube.node.v1.RemoveContainerRequest;
import io.sifkube.node.v1.StartContainerRequest;
import io.sifkube.node.v1.StopContainerRequest;
import io.sifkube.node.v1.grpc.ImageServiceApi;
import io.sifkube.node.v1.grpc.RuntimeServiceApi;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code sifctl --siflet SOCKET ...}: the same verbs against a siflet daemon over its Unix socket —
 * images, pull, ps, run (-d to leave it running), logs, stop, rm.
 */
@Command(
    name = "sifctl --siflet SOCKET",
    mixinStandardHelpOptions = true,
    description = "Talk to a siflet daemon.",
    subcommands = {
      SifletClient.Images.class,
      SifletClient.Pull.class,
      SifletClient.Ps.class,
      SifletClient.Run.class,
      SifletClient.Logs.class,
      SifletClient.Stop.class,
      SifletClient.Rm.class
    })
final class SifletClient {

  /** Netty warns that Unix sockets have no SO_KEEPALIVE, which gRPC sets everywhere. */
  private static final java.util.logging.Logger NETTY_BOOTSTRAP =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap");

  static {
    NETTY_BOOTSTRAP.setLevel(java.util.logging.Level.SEVERE);
    // The same when netty logs through slf4j (slf4j-simple is on the class path for fabric8).
    System.setProperty(
        "org.slf4j.simpleLogger.log.io.grpc.netty.shaded.io.netty.bootstrap", "error");
  }

  private final Path socket;
  private ManagedChannel channel;

  SifletClient(Path socket) {
    this.socket = socket;
  }

  /** Runs {@code args} (after {@code --siflet SOCKET}); returns the exit status. */
  static int run(Path socket, String[] args, PrintWriter out, PrintWriter err) {
    SifletClient client = new SifletClient(socket);
    CommandLine cli = StandardHelp.withHelp(new CommandLine(client));
    cli.setOut(out);
    cli.setErr(err);
    cli.getSubcommands().get("run").setStopAtPositional(true);
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          String why =
              e instanceof StatusRuntimeException s
                  ? s.getStatus().getCode() + ": " + s.getStatus().getDescription()
                  : e.getMessage();
          cmd.getErr().println("sifctl: error: " + why);
          return Sifctl.EXIT_FAILURE;
        });
    try {
      return cli.execute(args);
    } finally {
      if (client.channel != null) {
        client.channel.shutdownNow();
      }
    }
  }

  private ManagedChannel channel() {
    if (channel == null) {
      channel =
          NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
              .channelType(EpollDomainSocketChannel.class)
              .eventLoopGroup(new EpollEventLoopGroup(1))
              .usePlaintext()
              .build();
    }
    return channel;
  }

  RuntimeServiceApi.Client runtime() {
    return new RuntimeServiceApi.Client(channel());
  }

  ImageServiceApi.Client images() {
    return new ImageServiceApi.Client(channel());
  }

  private static String shortDigest(String d) {
    return d.startsWith("sha256:") && d.length() > 19 ? d.substring(7, 19) : d;
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "images",
      description = "List the images siflet has cached.")
  static final class Images implements Callable<Integer> {
    @ParentCommand SifletClient parent;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      TabWriter t = new TabWriter(3).line("DIGEST\tSIZE\tIN USE\tSOURCES");
      for (Image i :
          parent.images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList()) {
        t.line(
            String.join(
                "\t",
                shortDigest(i.getManifestDigest()),
                Long.toString(i.getSize()),
                i.getInUse() ? "yes" : "no",
                String.join(",", i.getSourcesList())));
      }
      spec.commandLine().getOut().print(t);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "pull",
      description = "Pull an image into siflet's cache.")
  static final class Pull implements Callable<Integer> {
    @ParentCommand SifletClient parent;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "SOURCE")
    String source;

    @Override
    public Integer call() {
      spec.commandLine().getOut().println(parent.pull(source, spec.commandLine().getErr()));
      return 0;
    }
  }

  /** Pulls {@code source}, telling {@code err} the steps; returns the manifest digest. */
  String pull(String source, PrintWriter err) {
    Iterator<PullImageEvent> events =
        images().pullImage(PullImageRequest.newBuilder().setSource(source).build());
    String digest = "";
    while (events.hasNext()) {
      PullImageEvent e = events.next();
      if (e.hasImage()) {
        digest = e.getImage().getManifestDigest();
      } else if (!e.getProgress().getMessage().isEmpty()) {
        err.println("INFO:    " + e.getProgress().getMessage());
      }
    }
    return digest;
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "ps",
      description = "List containers (running and created; -a: all).")
  static final class Ps implements Callable<Integer> {
    @ParentCommand SifletClient parent;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = {"-a", "--all"},
        description = "also exited ones")
    boolean all;

    @Override
    public Integer call() {
      TabWriter t = new TabWriter(3).line("ID\tIMAGE\tSTATE\tEXIT\tREASON");
      for (ContainerStatus s :
          parent
              .runtime()
              .listContainers(ListContainersRequest.getDefaultInstance())
              .getContainersList()) {
        boolean live =
            s.getState() == ContainerState.CONTAINER_RUNNING
                || s.getState() == ContainerState.CONTAINER_CREATED;
        if (all || live) {
          boolean ended = s.getState() == ContainerState.CONTAINER_EXITED;
          t.line(
              String.join(
                  "\t",
                  s.getId(),
                  shortDigest(s.getImageDigest()),
                  s.getState().name().substring("CONTAINER_".length()).toLowerCase(),
                  ended ? Integer.toString(s.getExitCode()) : "",
                  s.getReason()));
        }
      }
      spec.commandLine().getOut().print(t);
      spec.commandLine().getOut().flush();
      return 0;
    }
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "run",
      description =
          "Run IMAGE's ENTRYPOINT + CMD (ARGS replace CMD); -d prints the ID and leaves it.")
  static final class Run implements Callable<Integer> {
    @ParentCommand SifletClient parent;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = {"-d", "--detach"},
        description = "print the container ID and return")
    boolean detach;

    @Option(names = "--name", description = "container ID (default: a random one)")
    String name;

    @Option(
        names = {"-e", "--env"},
        description = "KEY=VALUE (repeatable)")
    List<String> env = new ArrayList<>();

    @Parameters(index = "0", paramLabel = "IMAGE", description = "a source or a digest")
    String image;

    @Parameters(index = "1..*", paramLabel = "ARGS")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      RuntimeServiceApi.Client rt = parent.runtime();
      if (java.nio.file.Files.isRegularFile(Path.of(image))) {
        image = Path.of(image).toAbsolutePath().toString(); // an OCI-SIF file on this node
      } else {
        try {
          parent.images().imageStatus(ImageStatusRequest.newBuilder().setImage(image).build());
        } catch (StatusRuntimeException notThere) {
          parent.pull(image, spec.commandLine().getErr());
        }
      }
      String id = name != null ? name : "sifctl-" + UUID.randomUUID().toString().substring(0, 12);
      ContainerStatus made =
          rt.createContainer(
                  CreateContainerRequest.newBuilder()
                      .setId(id)
                      .setConfig(
                          ContainerConfig.newBuilder()
                              .setImage(image)
                              .addAllArgs(args)
                              .addAllEnv(env))
                      .setStart(true)
                      .build())
              .getStatus();
      if (made.getState() == ContainerState.CONTAINER_CREATED) {
        // a siflet older than CreateContainer's start ignored it
        rt.startContainer(StartContainerRequest.newBuilder().setId(id).build());
      }
      if (detach) {
        spec.commandLine().getOut().println(id);
        return 0;
      }
      parent.printLogs(id, true, 0, spec.commandLine().getOut(), spec.commandLine().getErr());
      for (int i = 0; i < 100; i++) {
        ContainerStatus s =
            rt.containerStatus(ContainerStatusRequest.newBuilder().setId(id).build()).getStatus();
        if (s.getState() == ContainerState.CONTAINER_EXITED) {
          return s.getExitCode();
        }
        TimeUnit.MILLISECONDS.sleep(50);
      }
      return Sifctl.EXIT_FAILURE;
    }
  }

  /** Prints a container's log: what is there, and with {@code follow} until it ends. */
  void printLogs(String id, boolean follow, long tail, PrintWriter out, PrintWriter err) {
    Iterator<LogEntry> lines =
        runtime()
            .containerLogs(
                ContainerLogsRequest.newBuilder()
                    .setId(id)
                    .setFollow(follow)
                    .setTailLines(tail)
                    .build());
    while (lines.hasNext()) {
      LogEntry l = lines.next();
      PrintWriter w = l.getStream() == LogStream.STDERR ? err : out;
      w.print(l.getLine().toStringUtf8());
      if (!l.getPartial()) {
        w.println();
      }
      w.flush();
    }
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "logs",
      description = "Print a container's output.")
  static final class Logs implements Callable<Integer> {
    @ParentCommand SifletClient parent;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(
        names = {"-f", "--follow"},
        description = "keep printing until the container ends")
    boolean follow;

    @Option(names = "--tail", description = "only the last N lines")
    long tail;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
      parent.printLogs(id, follow, tail, spec.commandLine().getOut(), spec.commandLine().getErr());
      return 0;
    }
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "stop",
      description = "Stop a container (TERM, then KILL after -t seconds).")
  static final class Stop implements Callable<Integer> {
    @ParentCommand SifletClient parent;

    @Option(
        names = {"-t", "--time"},
        description = "seconds before SIGKILL (default 10)")
    long seconds = 10;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
      parent
          .runtime()
          .stopContainer(
              StopContainerRequest.newBuilder().setId(id).setTimeoutSeconds(seconds).build());
      return 0;
    }
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "rm",
      description = "Remove a container (stopping it first).")
  static final class Rm implements Callable<Integer> {
    @ParentCommand SifletClient parent;

    @Parameters(paramLabel = "ID")
    String id;

    @Override
    public Integer call() {
      parent.runtime().removeContainer(RemoveContainerRequest.newBuilder().setId(id).build());
      return 0;
    }
  }
}
