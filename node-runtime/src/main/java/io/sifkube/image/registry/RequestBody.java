package io.sifkube.image.registry;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A request body of known length that can be read again for each try of the request. */
public interface RequestBody {

  long length();

  /**
   * A fresh stream that starts with the body's first byte; it may go on past {@link #length()}
   * bytes, which are all that is sent. The caller closes it.
   */
  InputStream open() throws IOException;

  static RequestBody of(byte[] bytes) {
    return new RequestBody() {
      @Override
      public long length() {
        return bytes.length;
      }

      @Override
      public InputStream open() {
        return new ByteArrayInputStream(bytes);
      }
    };
  }

  /** The bytes [offset, offset + length) of {@code file}; a shorter file fails the send. */
  static RequestBody ofFile(Path file, long offset, long length) {
    return new RequestBody() {
      @Override
      public long length() {
        return length;
      }

      @Override
      public InputStream open() throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        return Channels.newInputStream(ch.position(offset));
      }

      @Override
      public String toString() {
        return file + " (" + length + " bytes from offset " + offset + ")";
      }
    };
  }
}
