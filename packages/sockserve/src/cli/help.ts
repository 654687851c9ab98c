/** The `--help` text: usage, options and examples. */
import { strategyHelpLines } from './strategy.js';
import { transportHelpLines } from './transports.js';

/** What `sockserve --help` prints (Python equivalent: argparse's generated help). */
export const HELP = `Usage: sockserve serve ADDRESS [STRATEGY] HANDLER_MODULE[#ExportName]

Runs a request handler module as a server (Python's socketserver, for Node.js). Prints one
line "listening on ADDRESS" once it takes traffic.

Stopping: the first SIGINT or SIGTERM prints "stopping: N running (signal again to force)",
lets the requests in hand finish (at most --close-timeout), closes idle connections and
exits 0. A second signal cuts what is left and exits 1; a third exits at once. A signal
during start-up (a handler module still importing) stops the command too. SIGTERM drains:
the health ports report draining at once and the server keeps accepting for --drain-delay
before it stops listening (SIGINT does not wait).

Restarting: SIGHUP (SIGUSR2 when serving TLS, where SIGHUP reloads the certificates)
starts a successor with the listening socket inherited (LISTEN_FDS), waits
until it serves, then drains this process ("restarting: successor pid N is ready"), which
exits 0 after "restarted: handed over to pid N". No connection is refused meanwhile. Not for
--unix PATH (the socket file would be removed) or --unix-dgram; use --systemd NAME there.

Address (exactly one):
${transportHelpLines()}
                         adopt the listening socket inherited on descriptor N instead of
                         binding (socket activation: the first one is fd:3)
  --systemd NAME         the socket systemd passed under that name (LISTEN_FDNAMES, set by
                         FileDescriptorName= in the .socket unit); the server follows its kind

Service managers: with NOTIFY_SOCKET set (systemd Type=notify) the command sends READY=1 once
it serves and STOPPING=1 at the first stop signal. An inherited Unix socket's file is never
removed. Inherited Unix datagram sockets are not supported (the native layer cannot adopt one).

Strategy (at most one; default: one request at a time, as Python's default):
${strategyHelpLines()}
  --min-spare N          with --processes: idle children kept ready ahead of demand,
                         started in the background as requests take them (default 1)
  --max-spare N          with --processes: idle children above N exit at once (default:
                         none; idle ones above --min-spare exit after 30 s)
  --fork MODE            with --processes: pool (default; children are reused) or
                         per-request (Python's ForkingMixIn: a fresh child per request,
                         --min-spare of them started ahead; no --requests-per-child or
                         --max-spare there)
  --accept-in WHO        with --fork per-request: server (default; the server accepts and
                         hands each connection to a ready spare) or children (the ready
                         spares accept from the listening socket themselves, saving the
                         hand-over). With children, --max-per-client's default is dropped
                         (the server never sees the connections: giving it is an error, as
                         are --proxy-protocol and TLS) and --first-byte-timeout closes a
                         silent connection in the child instead of holding it in the server
  --requests-per-child N with --processes: requests one child runs at once, so children
                         whose handlers wait (slow clients) take more connections; a child
                         that dies fails the requests it held (default 256; 1: Python's one
                         request per child)
  --min-threads N        with --threads: workers started before the server listens and kept
                         when idle, so no request waits for a worker to load its handler
                         (default: all of --threads; 1: the library's, the rest on demand)
  --grow-after MS        with --threads/--processes: how long requests find every worker
                         or child busy (and queue) before the pool starts one more beyond
                         --min-spare / --min-threads (default startup: as long as its own
                         last start-ups took; 0: at once, whenever all are busy)
  --exec-argv "ARGS"     Node options of the workers or children, e.g. --exec-argv=--inspect=0
                         (default: this process's, without --inspect*: "node --inspect" debugs
                         the server's process only)

Handler module:
  A file (.mjs, .js, or .ts where Node runs TypeScript) relative to the current directory,
  or a file: URL. The handler is the export named after "#", else the default export, else
  the one exported class extending BaseRequestHandler. Workers and child processes import
  the same module, so keep it free of start-up side effects.

Limits on idle and slow clients (safe defaults here; the library's are Python's: none).
0 turns one off. See docs/security.md, "Hardening", for the library options:
  --idle-timeout MS        close a connection whose client sends nothing for MS while its
                           handler waits for the next request (default 30000)
  --first-byte-timeout MS  close a new connection that sends nothing for MS (default 10000);
                           with --threads/--processes a connection reaches a worker or
                           child only once it sent something (0: at once, for protocols
                           where the server speaks first)
  --max-per-client N       connections one client address (IPv6: one /64) may hold open;
                           more are reset at once (default 64; TCP only: Node does not
                           tell a Unix peer's uid)
  --request-timeout MS     longest one request may run before it is cut (default 300000)
  --min-read-rate BYTES    a read waiting for the rest of a request must get it at BYTES per
                           second on average once --min-read-grace has passed, or the
                           connection is closed (a slowloris; default 500)
  --min-read-grace MS      how long such a read may wait before the rate counts
                           (default 10000)
  The two timeouts and the rate apply to handlers reading through rfile
  (StreamRequestHandler).

Several processes (TCP):
  --workers N            N server processes on the address, supervised by this one (which
                         accepts nothing): they share one listening socket; a worker that dies
                         is replaced (back-off 100 ms doubling to 10 s); SIGTERM drains all
  --reuse-port           bind with SO_REUSEPORT; with --workers each worker binds its own
                         socket and the kernel spreads connections by client address and port

Load balancers (see docs/deployment.md):
  --drain-delay MS       after SIGTERM (or a restart), keep accepting for MS while balancers
                         take the server out (default 0)
  --agent-port [HOST:]PORT  HAProxy agent-check: "up ready", "drain" or "maint"
  --ready-port [HOST:]PORT  HTTP readiness: 200 while serving, 503 while draining
                         A bare PORT listens on every interface. Each prints
                         "agent-check on ADDRESS" / "readiness on ADDRESS" after "listening on".
TLS (with --tcp; @sockserve/tls):
  --tls-cert FILE        serve TLS with this certificate (chain), PEM; needs --tls-key
  --tls-key FILE         its private key, PEM
  --tls-ca FILE          CAs that verify client certificates, PEM
  --tls-request-cert     ask clients for a certificate (mutual TLS); needs --tls-ca
  SIGHUP re-reads the three files: new connections get the new certificate.

Behind a load balancer (HAProxy, nginx, Envoy) that sends the PROXY protocol:
  --proxy-protocol CIDR[,CIDR…]  read a PROXY header (v1/v2; datagrams: v2 on each one) from
                           these peers (e.g. 10.0.0.0/8,::1, or "any" written out; with --unix
                           and --unix-dgram only "any"); this.clientAddress is then the real
                           client. Others, and bad or missing headers, are closed or dropped
  --proxy-header-timeout MS  how long a peer may take to send its header (default 5000)
  --proxy-protocol-in runner  with --threads/--processes: the worker or child reads the
                           header; with --first-byte-timeout 0 the socket then moves untouched
                           (no relay under --threads); default main

Other options:
  --close-timeout MS     how long the first signal waits for running requests (default 30000)
  --verbose              a line per request on stderr: client, duration, bytes in/out, error
  --quiet                only errors on stderr: no "stopping" line, no warnings
                         (the "listening on" line on stdout stays)
  -h, --help             this help
  -v, --version          the version

Examples:
  sockserve serve --tcp 127.0.0.1:8000 ./echo.mjs
  sockserve serve --tcp [::1]:0 --async ./handlers.mjs#UpperEcho
  sockserve serve --tcp :9999 --threads 4 ./hash.mjs
  sockserve serve --tcp :8443 --tls-cert site.crt --tls-key site.key --async ./echo.mjs
  sockserve serve --udp 127.0.0.1:9999 ./datagram-echo.mjs
  sockserve serve --unix /run/app.sock --processes 8 ./app.mjs#Handler
  systemd-socket-activate -l 127.0.0.1:8000 --fdname=web sockserve serve --systemd web ./echo.mjs

Environment:
  SOCKSERVE_SLOW_IMPORT_MS  warn when importing the handler module takes longer (default 3000)

A handler module must not start a server at import: workers and children import it for the
handler, and a server created there fails with ERR_SOCKSERVE_NESTED_SERVER. Guard start-up
code with "if (isMainThread)" (threads) or "if (!isForkedChild())" (processes).

Exit codes: 0 after a graceful stop; 1 when the stop was forced or the server stopped on an
error; 2 for a bad option or address, a handler module that can't be used, or an address
that can't be bound.`;
