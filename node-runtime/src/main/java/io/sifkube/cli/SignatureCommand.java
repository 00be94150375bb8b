package io.sifkube.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code sign} and {@code verify} share: one IMAGE, PEM keys ({@code --key}, repeatable), an
 * OpenPGP keyring ({@code --keyring}) and the object groups ({@code -g}) or objects ({@code -i}) to
 * work on.
 */
abstract class SignatureCommand extends TableCommand {

  Path file;
  final List<Path> keys = new ArrayList<>();
  Path keyring;
  final List<Integer> groups = new ArrayList<>();
  final List<Integer> objects = new ArrayList<>();
  private final String imageHelp;

  /**
   * @param table must declare {@code --key}, {@code --keyring}, {@code -g,--group-id} and {@code
   *     -i,--sif-id}; {@link #more} takes its other options
   */
  SignatureCommand(String name, String description, String imageHelp, OptionTable table) {
    super(name, description, "IMAGE", table);
    this.imageHelp = imageHelp;
  }

  /** Sets one option of the command's own, beyond the shared ones. */
  abstract void more(String option, String value) throws OptionTable.UsageException;

  @Override
  final List<String[]> argumentHelp() {
    return List.<String[]>of(new String[] {"IMAGE", imageHelp});
  }

  @Override
  final void arguments(List<String> args, String synopsis) throws OptionTable.UsageException {
    expect(args, 1, 1, synopsis);
    file = OptionTable.parsePath("IMAGE", args.get(0));
  }

  @Override
  final void option(String option, String v) throws OptionTable.UsageException {
    switch (option) {
      case "--key" -> keys.add(OptionTable.parsePath(option, v));
      case "--keyring" -> keyring = OptionTable.parsePath(option, v);
      case "--group-id" -> groups.add(OptionTable.parseInt(option, v));
      case "--sif-id" -> objects.add(OptionTable.parseInt(option, v));
      default -> more(option, v);
    }
  }
}
