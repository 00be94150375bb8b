/* Tries the system calls named on the command line and prints NAME=OK or NAME=ERRNONAME for each,
 * so that SeccompIT can tell a seccomp refusal (EPERM) from the kernel's own answer. Built static
 * by the test, and bound into the container. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *name(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case ENOKEY: return "ENOKEY";
    case ENOSYS: return "ENOSYS";
    case EACCES: return "EACCES";
    case EEXIST: return "EEXIST";
    default: return strerror(e);
  }
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *what = argv[i];
    long r = -1;
    errno = 0;
    if (!strcmp(what, "unshare")) {
      r = unshare(CLONE_NEWUSER);
    } else if (!strcmp(what, "mount")) {
      r = mount("probe", "/tmp", "tmpfs", 0, NULL);
    } else if (!strcmp(what, "keyctl")) {
      r = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, -3 /* session */, 0);
    } else if (!strcmp(what, "bpf")) {
      r = syscall(SYS_bpf, 9999, NULL, 0); /* no such command: EINVAL once the call is let in */
    } else if (!strcmp(what, "mkdir")) {
      r = mkdir("/tmp/probe-dir", 0755);
    } else if (!strcmp(what, "getpid")) {
      r = getpid();
    } else {
      fprintf(stderr, "unknown probe %s\n", what);
      return 2;
    }
    printf("%s=%s\n", what, r >= 0 ? "OK" : name(errno));
  }
  return 0;
}
