package io.sifkube.sys;

import com.sun.jna.LastErrorException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A connected {@code AF_UNIX}/{@code SOCK_SEQPACKET} socket, the kind conmon's attach socket is.
 * The JDK's Unix-domain channels speak only {@code SOCK_STREAM}, so this goes through libc.
 */
public final class SeqPacketSocket implements AutoCloseable {

  private static final int SUN_PATH = 108;

  private final int fd;
  private final Path path;

  private SeqPacketSocket(int fd, Path path) {
    this.fd = fd;
    this.path = path;
  }

  /** Connects to the socket at {@code path}. */
  public static SeqPacketSocket connect(Path path) throws SyscallException {
    byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
    if (name.length >= SUN_PATH) {
      throw new SyscallException("connect", path.toString(), 36 /* ENAMETOOLONG */);
    }
    byte[] addr = new byte[2 + SUN_PATH];
    addr[0] = (byte) LibC.AF_UNIX; // sa_family_t, little-endian
    System.arraycopy(name, 0, addr, 2, name.length);
    int fd;
    try {
      fd = LibC.INSTANCE.socket(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0);
    } catch (LastErrorException e) {
      throw new SyscallException("socket for", path.toString(), e.getErrorCode());
    }
    try {
      LibC.INSTANCE.connect(fd, addr, addr.length);
    } catch (LastErrorException e) {
      LibC.INSTANCE.close(fd);
      throw new SyscallException("connect", path.toString(), e.getErrorCode());
    }
    return new SeqPacketSocket(fd, path);
  }

  /** Receives one packet into {@code buf}; returns its length, or 0 when the peer closed. */
  public int receive(byte[] buf) throws SyscallException {
    try {
      return (int) LibC.INSTANCE.read(fd, buf, buf.length);
    } catch (LastErrorException e) {
      throw new SyscallException("read from", path.toString(), e.getErrorCode());
    }
  }

  /** Sends one packet. */
  public void send(byte[] buf, int length) throws SyscallException {
    try {
      LibC.INSTANCE.write(fd, buf, length);
    } catch (LastErrorException e) {
      throw new SyscallException("write to", path.toString(), e.getErrorCode());
    }
  }

  /** Tells the peer we will send nothing more (it reads end-of-file); receiving goes on. */
  public void shutdownOutput() throws SyscallException {
    try {
      LibC.INSTANCE.shutdown(fd, LibC.SHUT_WR);
    } catch (LastErrorException e) {
      throw new SyscallException("shutdown", path.toString(), e.getErrorCode());
    }
  }

  @Override
  public void close() {
    try {
      LibC.INSTANCE.close(fd);
    } catch (LastErrorException ignored) {
      // closing a socket that failed: nothing more to do
    }
  }
}
