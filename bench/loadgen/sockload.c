/*
 * sockload: the sockserve bench's load generator. One process, one thread, epoll; it keeps
 * N clients busy against a line upper-case echo server and measures each round trip.
 *
 *   sockload (--tcp HOST:PORT | --udp HOST:PORT | --unix PATH | --unixdgram PATH)
 *            [--conns N=50] [--duration S=3] [--warmup S=0] [--payload BYTES=64]
 *            [--per-request] [--max-requests N] [--timeout-ms MS=2000]
 *   sockload (--tcp HOST:PORT | --unix PATH) --hold N
 *
 * Load mode: each client sends one line (PAYLOAD-1 lowercase letters and '\n'), waits for
 * the reply, checks it is the same line upper-cased, and sends the next (closed loop, one
 * request in flight per client). --per-request opens a new connection for each request and
 * closes it after the reply (the latency then includes connect). Requests finished during
 * --warmup are not counted. A missing, short, wrong or late (--timeout-ms) reply, a reset or
 * a refused connect is an error; the client then starts over on a new socket.
 *
 * Hold mode: opens N connections (at most 256 being set up at once), makes one round trip
 * on each so the server has surely accepted it and runs its handler, prints one JSON line
 * {"held":N,"errors":E}, then keeps them open, silent, until standard input closes.
 *
 * Load mode prints one JSON line: requests, errors, seconds, rps, latency percentiles in
 * microseconds from a 1 us histogram, and cpu: this process's CPU time / wall time (1.0 =
 * one core saturated: then the load generator, not the server, would be the limit).
 *
 * Build: cc -O2 -o sockload sockload.c        Loopback and temporary paths only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define HIST_US 2000000 /* 1 us buckets up to 2 s; later replies land in the last one */
#define MAX_SETUP 256   /* hold mode: connections being set up at once */

enum kind { K_TCP, K_UDP, K_UNIX, K_UNIXDGRAM };
enum phase { P_CONNECT, P_WRITE, P_READ, P_IDLE, P_DEAD };

struct client {
  int fd, index;
  enum phase phase;
  size_t done; /* bytes written (P_WRITE) or read (P_READ) */
  uint64_t t0; /* when this request started */
  char *buf;
};

static enum kind kind;
static struct sockaddr_storage target;
static socklen_t target_len;
static int nclients = 50, payload = 64, per_request, timeout_ms = 2000, hold;
static double duration = 3, warmup;
static long max_requests;
static char *request, *expected;
static uint32_t *hist;
static long requests, errors, overflow;
static int counting, epfd;
static char tmpdir_path[] = "/tmp/sockload-XXXXXX";

static uint64_t micros(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void fatal(const char *what) {
  fprintf(stderr, "sockload: %s: %s\n", what, strerror(errno));
  exit(2);
}

static int stream_kind(void) { return kind == K_TCP || kind == K_UNIX; }

/** Parses HOST:PORT (HOST may be [v6]) for a loopback inet target. */
static void set_inet(const char *spec, int socktype) {
  char host[128];
  const char *colon = strrchr(spec, ':');
  size_t len = colon ? (size_t)(colon - spec) : 0;
  if (!colon || len == 0 || len >= sizeof host) { fprintf(stderr, "sockload: want HOST:PORT\n"); exit(2); }
  if (spec[0] == '[' && colon[-1] == ']') { memcpy(host, spec + 1, len - 2); host[len - 2] = 0; }
  else { memcpy(host, spec, len); host[len] = 0; }
  struct addrinfo hints = {.ai_socktype = socktype, .ai_flags = AI_NUMERICHOST}, *found;
  if (getaddrinfo(host, colon + 1, &hints, &found) != 0) { fprintf(stderr, "sockload: bad address %s\n", spec); exit(2); }
  memcpy(&target, found->ai_addr, found->ai_addrlen);
  target_len = found->ai_addrlen;
  freeaddrinfo(found);
}

static void set_unix(const char *path) {
  struct sockaddr_un *sun = (struct sockaddr_un *)&target;
  if (strlen(path) >= sizeof sun->sun_path) { fprintf(stderr, "sockload: path too long\n"); exit(2); }
  sun->sun_family = AF_UNIX;
  strcpy(sun->sun_path, path);
  target_len = sizeof *sun;
}

static void watch(struct client *c, int op, uint32_t events) {
  struct epoll_event ev = {.events = events, .data.ptr = c};
  if (epoll_ctl(epfd, op, c->fd, &ev) < 0) fatal("epoll_ctl");
}

static void unix_client_path(int index, struct sockaddr_un *me) {
  memset(me, 0, sizeof *me);
  me->sun_family = AF_UNIX;
  snprintf(me->sun_path, sizeof me->sun_path, "%s/%d", tmpdir_path, index);
}

/** Opens the client's socket and starts connecting; the request clock starts here. */
static void open_client(struct client *c) {
  int family = ((struct sockaddr *)&target)->sa_family;
  c->fd = socket(family, (stream_kind() ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) fatal("socket");
  if (kind == K_TCP) { int on = 1; setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on); }
  if (kind == K_UNIXDGRAM) { /* the server answers to the sender's address: bind one */
    struct sockaddr_un me;
    unix_client_path(c->index, &me);
    unlink(me.sun_path);
    if (bind(c->fd, (struct sockaddr *)&me, sizeof me) < 0) fatal("bind");
  }
  c->t0 = micros();
  c->done = 0;
  int rc = connect(c->fd, (struct sockaddr *)&target, target_len);
  if (rc < 0 && errno != EINPROGRESS && errno != EAGAIN) { c->phase = P_CONNECT; watch(c, EPOLL_CTL_ADD, EPOLLOUT); return; }
  c->phase = rc < 0 ? P_CONNECT : P_WRITE;
  watch(c, EPOLL_CTL_ADD, EPOLLOUT);
}

static void close_client(struct client *c) {
  if (c->fd >= 0) close(c->fd); /* close() also removes it from epoll */
  c->fd = -1;
}

/** Counts an error and starts the client over on a fresh socket (hold mode: gives up). */
static void fail(struct client *c) {
  if (counting || hold) errors++;
  close_client(c);
  if (hold) { c->phase = P_DEAD; return; }
  open_client(c);
}

static void record(struct client *c) {
  uint64_t took = micros() - c->t0;
  if (!counting) return;
  requests++;
  if (took >= HIST_US) { overflow++; took = HIST_US - 1; }
  hist[took]++;
}

/** A reply is complete: record it and start the next request. */
static void finished(struct client *c) {
  record(c);
  if (hold) { c->phase = P_IDLE; watch(c, EPOLL_CTL_MOD, 0); return; }
  if (per_request) { close_client(c); open_client(c); return; }
  c->t0 = micros();
  c->done = 0;
  c->phase = P_WRITE;
  watch(c, EPOLL_CTL_MOD, EPOLLOUT);
}

static void on_event(struct client *c, uint32_t events) {
  if (c->phase == P_CONNECT) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) { fail(c); return; }
    if (kind == K_UNIX && (events & EPOLLHUP)) { fail(c); return; }
    c->phase = P_WRITE;
  }
  if (c->phase == P_WRITE) {
    while (c->done < (size_t)payload) {
      ssize_t n = send(c->fd, request + c->done, payload - c->done, MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (n <= 0) { fail(c); return; }
      c->done += (size_t)n;
    }
    c->done = 0;
    c->phase = P_READ;
    watch(c, EPOLL_CTL_MOD, EPOLLIN);
    return;
  }
  if (c->phase != P_READ) return;
  for (;;) {
    ssize_t n = recv(c->fd, c->buf + c->done, (size_t)payload + 1 - c->done, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) { fail(c); return; }
    c->done += (size_t)n;
    if (!stream_kind() && c->done != (size_t)payload) { fail(c); return; }
    if (c->done > (size_t)payload) { fail(c); return; }
    if (c->done < (size_t)payload) continue;
    if (memcmp(c->buf, expected, (size_t)payload) != 0) { fail(c); return; }
    finished(c);
    return;
  }
}

static uint64_t percentile(double p) {
  long rank = (long)(p * (double)(requests - 1)), seen = 0;
  for (long us = 0; us < HIST_US; us++) {
    seen += hist[us];
    if (seen > rank) return (uint64_t)us;
  }
  return HIST_US;
}

static void usage(void) {
  fprintf(stderr, "usage: see the comment at the top of sockload.c\n");
  exit(2);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *flag = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
    int takes = 1;
    if (!strcmp(flag, "--tcp") && value) { kind = K_TCP; set_inet(value, SOCK_STREAM); }
    else if (!strcmp(flag, "--udp") && value) { kind = K_UDP; set_inet(value, SOCK_DGRAM); }
    else if (!strcmp(flag, "--unix") && value) { kind = K_UNIX; set_unix(value); }
    else if (!strcmp(flag, "--unixdgram") && value) { kind = K_UNIXDGRAM; set_unix(value); }
    else if (!strcmp(flag, "--conns") && value) nclients = atoi(value);
    else if (!strcmp(flag, "--duration") && value) duration = atof(value);
    else if (!strcmp(flag, "--warmup") && value) warmup = atof(value);
    else if (!strcmp(flag, "--payload") && value) payload = atoi(value);
    else if (!strcmp(flag, "--max-requests") && value) max_requests = atol(value);
    else if (!strcmp(flag, "--timeout-ms") && value) timeout_ms = atoi(value);
    else if (!strcmp(flag, "--hold") && value) hold = atoi(value);
    else if (!strcmp(flag, "--per-request")) { per_request = 1; takes = 0; }
    else usage();
    i += takes;
  }
  if (!target_len || payload < 2 || payload > 65000 || nclients < 1 || duration <= 0) usage();
  if (per_request && !stream_kind()) { fprintf(stderr, "sockload: --per-request needs a stream socket\n"); return 2; }
  if (hold && !stream_kind()) { fprintf(stderr, "sockload: --hold needs a stream socket\n"); return 2; }
  if (hold) nclients = hold;
  if (kind == K_UNIXDGRAM && !mkdtemp(tmpdir_path)) fatal("mkdtemp");

  request = malloc((size_t)payload);
  expected = malloc((size_t)payload);
  hist = calloc(HIST_US, sizeof *hist);
  struct client *clients = calloc((size_t)nclients, sizeof *clients);
  if (!request || !expected || !hist || !clients) fatal("malloc");
  for (int i = 0; i < payload - 1; i++) { request[i] = (char)('a' + (i * 7) % 26); expected[i] = (char)(request[i] - 32); }
  request[payload - 1] = expected[payload - 1] = '\n';
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) fatal("epoll_create1");

  int opened = 0;
  if (!hold) for (; opened < nclients; opened++) {
    clients[opened].index = opened;
    clients[opened].buf = malloc((size_t)payload + 1);
    open_client(&clients[opened]);
  }
  uint64_t begin = micros(), start = begin + (uint64_t)(warmup * 1e6);
  uint64_t stop = start + (uint64_t)(duration * 1e6), last_scan = begin;
  if (hold) stop = begin + 60000000; /* setting up the held connections: at most 60 s */
  counting = warmup <= 0;
  double cpu0 = cpu_seconds();
  struct epoll_event events[512];
  for (;;) {
    uint64_t now = micros();
    if (!counting && now >= start) { counting = 1; requests = errors = 0; cpu0 = cpu_seconds(); start = now; }
    if (now >= stop || (max_requests && requests >= max_requests)) break;
    if (hold) {
      int setting_up = 0, settled = 0;
      for (int i = 0; i < opened; i++) {
        if (clients[i].phase == P_IDLE || clients[i].phase == P_DEAD) settled++;
        else setting_up++;
      }
      if (settled == nclients) break;
      for (; opened < nclients && setting_up < MAX_SETUP; opened++, setting_up++) {
        clients[opened].index = opened;
        clients[opened].buf = malloc((size_t)payload + 1);
        open_client(&clients[opened]);
      }
    }
    int n = epoll_wait(epfd, events, 512, 10);
    for (int i = 0; i < n; i++) on_event(events[i].data.ptr, events[i].events);
    now = micros();
    if (now - last_scan >= 10000) { /* a request unanswered in time is an error */
      last_scan = now;
      for (int i = 0; i < opened; i++) {
        struct client *c = &clients[i];
        if (c->fd >= 0 && c->phase != P_IDLE && now - c->t0 > (uint64_t)timeout_ms * 1000) fail(c);
      }
    }
  }
  uint64_t end = micros();
  double cpu = cpu_seconds() - cpu0, seconds = (double)(end - start) / 1e6;
  if (hold) {
    long held = 0;
    for (int i = 0; i < opened; i++) held += clients[i].phase == P_IDLE;
    printf("{\"held\":%ld,\"errors\":%ld,\"seconds\":%.3f}\n", held, nclients - held, (double)(end - begin) / 1e6);
    fflush(stdout);
    char sink[256];
    while (read(0, sink, sizeof sink) > 0) {} /* hold until standard input closes */
  } else {
    printf("{\"requests\":%ld,\"errors\":%ld,\"seconds\":%.3f,\"rps\":%.1f,\"p50_us\":%lu,\"p90_us\":%lu,"
           "\"p99_us\":%lu,\"max_us\":%lu,\"late\":%ld,\"cpu\":%.3f}\n",
           requests, errors, seconds, requests / seconds, (unsigned long)percentile(0.5),
           (unsigned long)percentile(0.9), (unsigned long)percentile(0.99), (unsigned long)percentile(1.0),
           overflow, cpu / seconds);
  }
  for (int i = 0; i < opened; i++) close_client(&clients[i]);
  if (kind == K_UNIXDGRAM) {
    for (int i = 0; i < nclients; i++) { struct sockaddr_un me; unix_client_path(i, &me); unlink(me.sun_path); }
    rmdir(tmpdir_path);
  }
  return 0;
}
