package io.sifkube.spec;

/**
 * Sifkube's default seccomp profile, the data {@link Seccomp} turns into each container's filter
 * (its "about" says what it allows and why).
 *
 * <p>A constant, not a resource file: the resource's lookup through the class path held up a
 * one-shot {@code sifctl exec} 2-10 ms (median 5.8 over 8 runs, JDK 25, 2026-12-07; probably mostly
 * waiting while another thread searched the jars), and the string comes with this class from the
 * start-up archive.
 */
final class SeccompDefaultProfile {

  static final String JSON =
      """
      {
       "about": [ "Sifkube's default seccomp profile, the RuntimeDefault of every container sifctl and siflet start.", "Semantics of the containers/common default profile (podman's): the system calls in 'allow' and", "'allowOnArch', 'personality' only with the personalities a program may ask for, and a socket rule", "that keeps the kernel's audit netlink for CAP_AUDIT_WRITE. Stricter where the issue asks for Docker's", "rules: the mount family, unshare, setns and namespace flags of clone need CAP_SYS_ADMIN, the kernel", "keyring calls (not namespaced) are refused, clone3 answers ENOSYS so that libc falls back to clone,", "whose flags seccomp can check. Every other call fails with EPERM. io.sifkube.spec.Seccomp turns this", "into the OCI runtime spec's linux.seccomp for a container's capabilities and the host's architecture." ],
       "defaultErrnoRet": 1,
       "architectures": {
        "amd64": [ "SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32" ],
        "arm64": [ "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM" ],
        "ppc64le": [ "SCMP_ARCH_PPC64LE" ],
        "s390x": [ "SCMP_ARCH_S390X", "SCMP_ARCH_S390" ],
        "riscv64": [ "SCMP_ARCH_RISCV64" ]
       },
       "allow": [ "_llseek", "_newselect", "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset", "chdir", "chmod", "chown", "chown32", "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep", "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown", "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_time64", "futimesat", "get_mempolicy", "get_robust_list", "get_thread_area", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32", "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom", "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "getrusage", "getsid", "getsockname", "getsockopt", "gettid", "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch", "io_cancel", "io_destroy", "io_getevents", "io_setup", "io_submit", "ioctl", "ioprio_get", "ioprio_set", "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr", "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "mbind", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap", "nanosleep", "newfstatat", "open", "openat", "openat2", "pause", "pidfd_getfd", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "process_vm_readv", "process_vm_writev", "pselect6", "pselect6_time64", "ptrace", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readdir", "readlink", "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo", "sched_get_priority_max", "sched_get_priority_min", "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_getscheduler", "sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "set_mempolicy", "set_robust_list", "set_thread_area", "set_tid_address", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "setsid", "setsockopt", "setuid", "setuid32", "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaction", "sigaltstack", "signal", "signalfd", "signalfd4", "sigpending", "sigprocmask", "sigreturn", "sigsuspend", "socketcall", "socketpair", "splice", "stat", "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range", "syncfs", "syscall", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime", "timer_settime64", "timerfd", "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat", "utimensat_time64", "utimes", "vfork", "wait4", "waitid", "waitpid", "write", "writev" ],
       "allowOnArch": {
        "amd64": [ "arch_prctl", "modify_ldt" ],
        "arm64": [ "arm_fadvise64_64", "arm_sync_file_range", "breakpoint", "cacheflush", "set_tls", "sync_file_range2" ],
        "ppc64le": [ "sync_file_range2" ],
        "s390x": [ "s390_pci_mmio_read", "s390_pci_mmio_write", "s390_runtime_instr" ]
       },
       "allowWithCapability": {
        "CAP_SYS_ADMIN": [ "bpf", "fanotify_init", "fsconfig", "fsmount", "fsopen", "fspick", "lookup_dcookie", "mount", "mount_setattr", "move_mount", "name_to_handle_at", "open_tree", "perf_event_open", "pivot_root", "quotactl", "quotactl_fd", "setdomainname", "sethostname", "setns", "syslog", "umount", "umount2", "unshare" ],
        "CAP_SYS_BOOT": [ "reboot" ],
        "CAP_SYS_CHROOT": [ "chroot" ],
        "CAP_SYS_MODULE": [ "delete_module", "finit_module", "init_module", "query_module" ],
        "CAP_SYS_PACCT": [ "acct" ],
        "CAP_SYS_PTRACE": [ "kcmp", "process_madvise" ],
        "CAP_SYS_RAWIO": [ "ioperm", "iopl" ],
        "CAP_SYS_TIME": [ "clock_adjtime", "clock_adjtime64", "clock_settime", "clock_settime64", "settimeofday", "stime" ],
        "CAP_SYS_TTY_CONFIG": [ "vhangup" ],
        "CAP_DAC_READ_SEARCH": [ "open_by_handle_at" ],
        "CAP_SYSLOG": [ "syslog" ]
       },
       "rules": [
        {
         "names": [ "personality" ],
         "action": "SCMP_ACT_ALLOW",
         "args": [
          {
           "index": 0,
           "value": 0,
           "op": "SCMP_CMP_EQ"
          }
         ]
        },
        {
         "names": [ "personality" ],
         "action": "SCMP_ACT_ALLOW",
         "args": [
          {
           "index": 0,
           "value": 8,
           "op": "SCMP_CMP_EQ"
          }
         ]
        },
        {
         "names": [ "personality" ],
         "action": "SCMP_ACT_ALLOW",
         "args": [
          {
           "index": 0,
           "value": 131072,
           "op": "SCMP_CMP_EQ"
          }
         ]
        },
        {
         "names": [ "personality" ],
         "action": "SCMP_ACT_ALLOW",
         "args": [
          {
           "index": 0,
           "value": 131080,
           "op": "SCMP_CMP_EQ"
          }
         ]
        },
        {
         "names": [ "personality" ],
         "action": "SCMP_ACT_ALLOW",
         "args": [
          {
           "index": 0,
           "value": 4294967295,
           "op": "SCMP_CMP_EQ"
          }
         ]
        },
        {
         "why": "no new namespaces without CAP_SYS_ADMIN: clone is allowed when its flags hold none of CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET",
         "names": [ "clone" ],
         "action": "SCMP_ACT_ALLOW",
         "unlessCapability": "CAP_SYS_ADMIN",
         "args": [
          {
           "index": 0,
           "value": 2114060288,
           "valueTwo": 0,
           "op": "SCMP_CMP_MASKED_EQ"
          }
         ]
        },
        {
         "names": [ "clone", "clone3" ],
         "action": "SCMP_ACT_ALLOW",
         "ifCapability": "CAP_SYS_ADMIN"
        },
        {
         "why": "seccomp cannot read clone3's flags (they are in memory): ENOSYS makes libc use clone",
         "names": [ "clone3" ],
         "action": "SCMP_ACT_ERRNO",
         "errnoRet": 38,
         "unlessCapability": "CAP_SYS_ADMIN"
        },
        {
         "why": "the audit netlink socket (AF_NETLINK, NETLINK_AUDIT) only with CAP_AUDIT_WRITE; every other socket is allowed",
         "names": [ "socket" ],
         "action": "SCMP_ACT_ERRNO",
         "errnoRet": 22,
         "unlessCapability": "CAP_AUDIT_WRITE",
         "args": [
          {
           "index": 0,
           "value": 16,
           "op": "SCMP_CMP_EQ"
          },
          {
           "index": 2,
           "value": 9,
           "op": "SCMP_CMP_EQ"
          }
         ]
        },
        {
         "names": [ "socket" ],
         "action": "SCMP_ACT_ALLOW",
         "unlessCapability": "CAP_AUDIT_WRITE",
         "args": [
          {
           "index": 0,
           "value": 16,
           "op": "SCMP_CMP_NE"
          }
         ]
        },
        {
         "names": [ "socket" ],
         "action": "SCMP_ACT_ALLOW",
         "unlessCapability": "CAP_AUDIT_WRITE",
         "args": [
          {
           "index": 2,
           "value": 9,
           "op": "SCMP_CMP_NE"
          }
         ]
        },
        {
         "names": [ "socket" ],
         "action": "SCMP_ACT_ALLOW",
         "ifCapability": "CAP_AUDIT_WRITE"
        }
       ]
      }
      """;

  private SeccompDefaultProfile() {}
}
