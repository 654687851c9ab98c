/** Options both Unix servers take, declared once. */
import { customOption } from '@sockserve/core/kit';

/** `mode`: the socket file's permissions, set before any client can connect or send. */
export const SOCKET_FILE_MODE = customOption<number>({
  defaultText: "the umask's",
  doc: "the socket file's mode, e.g. `0o600`, in force before any client can connect (refused for a Linux abstract name, which has no file)",
  expected: 'a file mode from 0 to 0o777 (e.g. 0o600)',
  invalidSample: 0o1000,
  accepts: (value) =>
    typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0o777,
});
