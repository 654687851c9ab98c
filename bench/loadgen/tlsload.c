/*
 * tlsload: the TLS bench's handshake load generator (issue 16). One process, one thread,
 * epoll, non-blocking sockets, OpenSSL. It keeps N connections in flight against a line
 * upper-case echo server over TLS; each connection makes a FULL handshake (no session cache,
 * no tickets offered: never a resumption), sends one line, checks its upper-cased echo,
 * sends close_notify and closes; then the client starts over on a new connection.
 *
 *   tlsload --tcp HOST:PORT [--conns N=16] [--duration S=3] [--warmup S=1] [--payload BYTES=64]
 *           [--timeout-ms MS=5000] [--servername NAME]
 *
 * Prints one JSON line: handshakes counted after the warm-up and their rate, errors, and this
 * process's CPU: per handshake over the whole run (warm-up included, as `all` counts) and as
 * CPU time / wall time (1.0 = a core saturated: the client would then be the limit). Written
 * so that a handshake costs the client far less CPU than the server (Node's own TLS client
 * costs about as much as the server; on 2 cores it couldn't keep a 2-worker server busy).
 * The client's own savings: its SSL objects are reused (SSL_clear, no session kept: a resumed
 * handshake stops the run), the server's chain is not built (not verified anyway), no
 * middlebox-compatibility records. With Debian 12's OpenSSL 3.0 a handshake still costs it
 * ~650-700 us of CPU, much of it OpenSSL 3.0's own per-call overhead (3.5, Node's, is cheaper).
 * A failed connect, handshake, short or wrong reply, or a reply later than --timeout-ms is an
 * error; the client then starts over.
 *
 * Build: cc -O2 -o tlsload tlsload.c -lssl -lcrypto        Loopback only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum phase { P_CONNECT, P_HANDSHAKE, P_WRITE, P_READ, P_CLOSING };

struct client {
  int fd;
  enum phase phase;
  SSL *ssl;
  size_t done; /* bytes read of the echo */
  uint64_t t0; /* when this connection started */
  uint32_t events; /* what epoll waits for now */
};

static struct sockaddr_in target;
static SSL_CTX *ctx;
static int epfd;
static size_t payload = 64;
static char *line, *expected;
static const char *servername;
static uint64_t timeout_us = 5000000;
static long handshakes_all, handshakes_counted, errors;
static int counting, stopping;
static int in_flight;

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static double cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static void wait_for(struct client *c, uint32_t events) {
  if (c->events == events) return;
  struct epoll_event ev = {.events = events, .data.ptr = c};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
  c->events = events;
}

static void start(struct client *c) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) {
    perror("socket");
    exit(1);
  }
  int one = 1;
  setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  c->phase = P_CONNECT;
  c->done = 0;
  c->t0 = now_us();
  c->events = EPOLLOUT;
  struct epoll_event ev = {.events = EPOLLOUT, .data.ptr = c};
  epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev);
  if (connect(c->fd, (struct sockaddr *)&target, sizeof target) < 0 && errno != EINPROGRESS) {
    c->phase = P_CONNECT; /* reported as an error at the next event (EPOLLERR) */
  }
}

/* Ends this connection and starts the next one. */
static void finish(struct client *c, int failed) {
  if (failed) errors += 1;
  if (c->ssl != NULL) {
    /* Reused for the next connection (cheaper than SSL_free + SSL_new); no session carried. */
    SSL_clear(c->ssl);
    SSL_set_session(c->ssl, NULL);
  }
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->fd = -1;
  if (stopping) {
    in_flight -= 1;
    c->t0 = UINT64_MAX; /* done: not swept */
  } else {
    start(c);
  }
}

/* After an SSL call returned `ret`: waits for what OpenSSL wants, or fails the connection. */
static int want(struct client *c, int ret) {
  switch (SSL_get_error(c->ssl, ret)) {
  case SSL_ERROR_WANT_READ:
    wait_for(c, EPOLLIN);
    return 1;
  case SSL_ERROR_WANT_WRITE:
    wait_for(c, EPOLLOUT);
    return 1;
  default:
    ERR_clear_error();
    finish(c, 1);
    return 0;
  }
}

static void step(struct client *c, uint32_t events) {
  if (c->phase == P_CONNECT) {
    int error = 0;
    socklen_t len = sizeof error;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0 || (events & (EPOLLERR | EPOLLHUP))) {
      finish(c, 1);
      return;
    }
    if (c->ssl == NULL) c->ssl = SSL_new(ctx);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_connect_state(c->ssl);
    if (servername != NULL) SSL_set_tlsext_host_name(c->ssl, servername);
    c->phase = P_HANDSHAKE;
  }
  if (c->phase == P_HANDSHAKE) {
    int ret = SSL_do_handshake(c->ssl);
    if (ret != 1) {
      want(c, ret);
      return;
    }
    if (SSL_session_reused(c->ssl)) {
      fprintf(stderr, "tlsload: a session was resumed\n");
      exit(1);
    }
    c->phase = P_WRITE;
  }
  if (c->phase == P_WRITE) {
    int ret = SSL_write(c->ssl, line, (int)payload);
    if (ret <= 0) {
      want(c, ret);
      return;
    }
    c->phase = P_READ;
  }
  char buf[4096];
  if (c->phase == P_CLOSING) {
    for (;;) {
      ssize_t got = read(c->fd, buf, sizeof buf);
      if (got > 0) continue;
      if (got < 0 && (errno == EAGAIN || errno == EINTR)) return;
      finish(c, 0); /* EOF (or a reset after our close_notify: the request was answered) */
      return;
    }
  }
  /* P_READ */
  for (;;) {
    int ret = SSL_read(c->ssl, buf, sizeof buf);
    if (ret <= 0) {
      want(c, ret);
      return;
    }
    if (c->done + (size_t)ret > payload || memcmp(buf, expected + c->done, (size_t)ret) != 0) {
      finish(c, 1);
      return;
    }
    c->done += (size_t)ret;
    if (c->done == payload) {
      handshakes_all += 1;
      if (counting && !stopping) handshakes_counted += 1;
      /* A clean close, as a real client's: close_notify and FIN, then wait for the server's
       * (closing at once would answer its close_notify with a reset: ECONNRESET there). */
      SSL_shutdown(c->ssl);
      shutdown(c->fd, SHUT_WR);
      c->phase = P_CLOSING;
      wait_for(c, EPOLLIN);
      return;
    }
  }
}

/* The server's chain is not verified (VERIFY_NONE ignores the verdict but still builds it). */
static int accept_chain(X509_STORE_CTX *store, void *arg) {
  (void)store;
  (void)arg;
  return 1;
}

static void usage(void) {
  fprintf(stderr, "usage: tlsload --tcp HOST:PORT [--conns N] [--duration S] [--warmup S] "
                  "[--payload BYTES] [--timeout-ms MS] [--servername NAME]\n");
  exit(2);
}

int main(int argc, char **argv) {
  const char *address = NULL;
  int conns = 16;
  double duration = 3, warmup = 1;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) usage();
    const char *flag = argv[i], *value = argv[i + 1];
    if (strcmp(flag, "--tcp") == 0) address = value;
    else if (strcmp(flag, "--conns") == 0) conns = atoi(value);
    else if (strcmp(flag, "--duration") == 0) duration = atof(value);
    else if (strcmp(flag, "--warmup") == 0) warmup = atof(value);
    else if (strcmp(flag, "--payload") == 0) payload = (size_t)atol(value);
    else if (strcmp(flag, "--timeout-ms") == 0) timeout_us = (uint64_t)atol(value) * 1000u;
    else if (strcmp(flag, "--servername") == 0) servername = value;
    else usage();
  }
  if (address == NULL || conns < 1 || duration <= 0 || warmup < 0 || payload < 2) usage();
  const char *colon = strrchr(address, ':');
  if (colon == NULL) usage();
  char host[64];
  snprintf(host, sizeof host, "%.*s", (int)(colon - address), address);
  target.sin_family = AF_INET;
  target.sin_port = htons((uint16_t)atoi(colon + 1));
  if (inet_pton(AF_INET, host, &target.sin_addr) != 1 ||
      (ntohl(target.sin_addr.s_addr) >> 24) != 127) {
    fprintf(stderr, "tlsload: %s is not an IPv4 loopback address\n", host);
    return 2;
  }

  line = malloc(payload);
  expected = malloc(payload);
  for (size_t i = 0; i + 1 < payload; i += 1) {
    line[i] = (char)('a' + i % 26);
    expected[i] = (char)('A' + i % 26);
  }
  line[payload - 1] = expected[payload - 1] = '\n';

  ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == NULL) {
    fprintf(stderr, "tlsload: SSL_CTX_new failed\n");
    return 1;
  }
  /* Every connection a full handshake: no session kept, none offered. */
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  SSL_CTX_set_cert_verify_callback(ctx, accept_chain, NULL);
  SSL_CTX_clear_options(ctx, SSL_OP_ENABLE_MIDDLEBOX_COMPAT);

  epfd = epoll_create1(EPOLL_CLOEXEC);
  struct client *clients = calloc((size_t)conns, sizeof *clients);
  uint64_t t0 = now_us();
  double cpu0 = cpu_us();
  uint64_t measure_from = t0 + (uint64_t)(warmup * 1e6);
  uint64_t end = measure_from + (uint64_t)(duration * 1e6);
  for (int i = 0; i < conns; i += 1) start(&clients[i]);
  struct epoll_event events[256];
  uint64_t last_sweep = t0;
  double cpu_measured0 = 0, cpu_at_end = 0;
  for (;;) {
    uint64_t now = now_us();
    if (!counting && now >= measure_from) {
      counting = 1;
      cpu_measured0 = cpu_us();
    }
    if (now >= end && !stopping) {
      /* The end: no new connections; those in flight finish (a server sees no resets). */
      stopping = 1;
      in_flight = conns;
      cpu_at_end = cpu_us();
    }
    if (stopping && (in_flight == 0 || now >= end + timeout_us)) break;
    int n = epoll_wait(epfd, events, 256, 50);
    for (int i = 0; i < n; i += 1) step(events[i].data.ptr, events[i].events);
    now = now_us();
    if (now - last_sweep > 100000) {
      last_sweep = now;
      for (int i = 0; i < conns; i += 1)
        if (clients[i].t0 != UINT64_MAX && now - clients[i].t0 > timeout_us) finish(&clients[i], clients[i].phase != P_CLOSING);
    }
  }
  double wall = (double)(end - measure_from) / 1e6;
  double cpu_end = cpu_us();
  printf("{\"handshakes\":%ld,\"errors\":%ld,\"seconds\":%.3f,\"rate\":%.1f,\"all\":%ld,"
         "\"cpuMicrosPerHandshake\":%.1f,\"cpu\":%.3f}\n",
         handshakes_counted, errors, wall, (double)handshakes_counted / wall, handshakes_all,
         handshakes_all == 0 ? 0.0 : (cpu_end - cpu0) / (double)handshakes_all,
         (cpu_at_end - cpu_measured0) / 1e6 / wall);
  for (int i = 0; i < conns; i += 1) {
    if (clients[i].ssl != NULL) SSL_free(clients[i].ssl);
    if (clients[i].fd >= 0) close(clients[i].fd);
  }
  SSL_CTX_free(ctx);
  return 0;
}
