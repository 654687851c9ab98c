/** The `--help` text: usage, options and examples. */

/** What `sockserve --help` prints (Python equivalent: argparse's generated help). */
export const HELP = `Usage: sockserve serve ADDRESS [STRATEGY] HANDLER_MODULE[#ExportName]

Runs a request handler module as a server (Python's socketserver, for Node.js). Prints one
line "listening on ADDRESS" once it takes traffic; SIGINT or SIGTERM stop it gracefully
(running requests finish, exit code 0).

Address (exactly one):
  --tcp HOST:PORT        TCPServer: 127.0.0.1:8000, [::1]:8000, :8000 (every interface); port 0 = any free port
  --udp HOST:PORT        UDPServer
  --unix PATH            UnixStreamServer on a socket file
  --unix-dgram PATH      UnixDatagramServer on a socket file

Strategy (at most one; default: one request at a time, as Python's default):
  --async                many requests at once on the event loop (AsyncStrategy)
  --threads N            handlers in at most N worker threads (ThreadingMixIn)
  --processes N          handlers in at most N child processes (ForkingMixIn)

Handler module:
  A file (.mjs, .js, or .ts where Node runs TypeScript) relative to the current directory,
  or a file: URL. The handler is the export named after "#", else the default export, else
  the one exported class extending BaseRequestHandler. Workers and child processes import
  the same module, so keep it free of start-up side effects.

Other options:
  -h, --help             this help
  -v, --version          the version

Examples:
  sockserve serve --tcp 127.0.0.1:8000 ./echo.mjs
  sockserve serve --tcp [::1]:0 --async ./handlers.mjs#UpperEcho
  sockserve serve --tcp :9999 --threads 4 ./hash.mjs
  sockserve serve --udp 127.0.0.1:9999 ./datagram-echo.mjs
  sockserve serve --unix /run/app.sock --processes 8 ./app.mjs#Handler

Exit codes: 0 after a graceful stop; 1 when the server stopped on an error; 2 for a bad
option or address, a handler module that can't be used, or an address that can't be bound.`;
