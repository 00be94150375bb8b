/*
 * The MPI test program of issue #19: every rank says who and where it is, the ranks check an
 * MPI_Allreduce, and ranks 0 and 1 time a ping-pong (8 B, 64 KiB, 4 MiB) when given a round-trip
 * count. Built in the MPI test image with Debian's mpicc.mpich (hack/mpi-image.sh).
 *
 * Usage: mpi-hello [ROUND_TRIPS]   (0 or none: no ping-pong)
 *        mpi-hello abort RANK CODE  (that rank calls MPI_Abort(CODE) after the allreduce; the
 *                                    others wait in a barrier it never reaches)
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void pingpong(int rank, int bytes, int trips) {
  char *buf = calloc(1, bytes);
  int warm = 50;
  double start = 0;
  for (int i = 0; i < warm + trips; i++) {
    if (i == warm) {
      start = MPI_Wtime();
    }
    if (rank == 0) {
      MPI_Send(buf, bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD);
      MPI_Recv(buf, bytes, MPI_BYTE, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
      MPI_Recv(buf, bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(buf, bytes, MPI_BYTE, 0, 0, MPI_COMM_WORLD);
    }
  }
  double half = (MPI_Wtime() - start) / trips / 2;
  if (rank == 0) {
    printf("pingpong %d B: half-rtt %.2f us, %.1f MB/s\n", bytes, half * 1e6, bytes / half / 1e6);
    fflush(stdout);
  }
  free(buf);
}

int main(int argc, char **argv) {
  int rank, size;
  char host[256];
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  gethostname(host, sizeof host);
  printf("rank %d of %d on %s pid %d\n", rank, size, host, (int)getpid());
  fflush(stdout);

  long mine = rank + 1, sum = 0, want = (long)size * (size + 1) / 2;
  MPI_Allreduce(&mine, &sum, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
  printf("allreduce rank %d sum %ld %s\n", rank, sum, sum == want ? "ok" : "WRONG");
  fflush(stdout);

  if (argc > 3 && strcmp(argv[1], "abort") == 0) {
    if (rank == atoi(argv[2])) {
      MPI_Abort(MPI_COMM_WORLD, atoi(argv[3]));
    }
    MPI_Barrier(MPI_COMM_WORLD);
  }
  int trips = argc > 1 ? atoi(argv[1]) : 0;
  if (trips > 0 && size >= 2) {
    int sizes[] = {8, 64 * 1024, 4 * 1024 * 1024};
    for (int s = 0; s < 3; s++) {
      if (rank < 2) {
        pingpong(rank, sizes[s], sizes[s] >= 1024 * 1024 ? (trips / 10 > 0 ? trips / 10 : 1) : trips);
      }
      MPI_Barrier(MPI_COMM_WORLD);
    }
  }
  MPI_Finalize();
  printf("rank %d finalized\n", rank);
  return sum == want ? 0 : 1;
}
