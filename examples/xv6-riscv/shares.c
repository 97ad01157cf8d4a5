// SPDX-License-Identifier: MIT
// shares [per-level [ticks]]: weighted fair shares under libsched's EEVDF.
//
// Forks per-level CPU-bound children at each of nice 0, 5 and 10 (default 1 each).
// They wait for a common start, spin for `ticks` (100 ms each, default 30) counting
// loop rounds, and report through a pipe. The parent prints each level's share of all
// rounds next to the share the nice weights predict (1024, 335, 110), and "shares: ok"
// when the levels come out in weight order with nice 0 at least three times nice 10
// (the weights say 9.3). With more children than harts, the shares follow the weights
// only as far as the per-hart queues are balanced, so the check is loose on purpose.
#include "kernel/types.h"
#include "user/user.h"

#define NLEVEL 3
static const int level_nice[NLEVEL] = { 0, 5, 10 };
static const int level_weight[NLEVEL] = { 1024, 335, 110 };   // libsched's nice table

struct report {
  int level;
  uint64 rounds;
};

static void
child(int level, int start, int ticks, int fd)
{
  struct report r = { level, 0 };
  int now;

  if(nice(level_nice[level]) < 0){
    printf("shares: nice(%d) failed\n", level_nice[level]);
    exit(1);
  }
  while((now = uptime()) < start)
    sleep(start - now);
  for(;;){
    for(int i = 0; i < 100000; i++)
      asm volatile("" ::: "memory");
    r.rounds++;
    if(uptime() >= start + ticks)
      break;
  }
  write(fd, &r, sizeof(r));
  exit(0);
}

int
main(int argc, char *argv[])
{
  int per = argc > 1 ? atoi(argv[1]) : 1;
  int ticks = argc > 2 ? atoi(argv[2]) : 30;
  uint64 sum[NLEVEL] = { 0 }, total = 0;
  int wsum = 0, fds[2], start, ok = 1;
  struct report r;

  if(per < 1 || ticks < 1 || pipe(fds) < 0){
    printf("usage: shares [per-level [ticks]]\n");
    exit(1);
  }
  start = uptime() + 5;
  for(int l = 0; l < NLEVEL; l++)
    for(int i = 0; i < per; i++){
      int pid = fork();
      if(pid < 0){
        printf("shares: fork failed\n");
        exit(1);
      }
      if(pid == 0)
        child(l, start, ticks, fds[1]);
    }
  close(fds[1]);
  for(int n = 0; n < NLEVEL * per; n++){
    if(read(fds[0], &r, sizeof(r)) != sizeof(r) || r.level < 0 || r.level >= NLEVEL){
      printf("shares: short report\n");
      exit(1);
    }
    sum[r.level] += r.rounds;
    total += r.rounds;
  }
  for(int n = 0; n < NLEVEL * per; n++)
    wait(0);
  for(int l = 0; l < NLEVEL; l++)
    wsum += level_weight[l];
  for(int l = 0; l < NLEVEL; l++)
    printf("shares: nice %d x%d rounds %d permille %d expected %d\n", level_nice[l], per,
           (int)sum[l], total ? (int)(sum[l] * 1000 / total) : 0,
           level_weight[l] * 1000 / wsum);
  if(!(sum[0] > sum[1] && sum[1] > sum[2] && sum[0] >= 3 * sum[2]))
    ok = 0;
  printf(ok ? "shares: ok\n" : "shares: BAD\n");
  exit(ok ? 0 : 1);
}
