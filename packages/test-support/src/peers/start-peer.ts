/**
 * The start shared by the HAProxy and nginx helpers: pick free ports (bind port 0, close — a
 * port can be taken again before the peer binds it), write the generated config into a fresh
 * directory, start the peer in the foreground and wait until `probe` says it serves; when it
 * failed because a port was taken meanwhile, start over (three tries).
 */
import { writeFile } from 'node:fs/promises';
import { freePort } from './free-port.js';
import { type PeerProcess, peerDir, startProcess } from './process.js';
import { join, waitReady } from './ready.js';

/** How one peer is configured and started. */
export interface PeerLaunch {
  /** The command (`haproxy`, `nginx`), also the temp directory's name. */
  readonly command: string;
  /** The config file's name in the peer's directory. */
  readonly configName: string;
  /** The config text for these ports (one per listener, in order). */
  render(dir: string, ports: number[]): string;
  /** The command's arguments, given the config file's path. */
  args(config: string, dir: string): string[];
  /** True once the peer serves (asked over its own Unix socket, never by sleeping). */
  probe(dir: string): Promise<boolean>;
}

/** A started peer: its directory, the ports it listens on, its process. */
export interface StartedPeer {
  readonly dir: string;
  readonly ports: number[];
  readonly process: PeerProcess;
}

/** Starts the peer on free ports, one per host in `hosts`; see the module comment. */
export async function startPeer(
  launch: PeerLaunch,
  hosts: readonly string[],
): Promise<StartedPeer> {
  for (let attempt = 1; ; attempt++) {
    const ports = await Promise.all(hosts.map((host) => freePort(host)));
    const dir = await peerDir(launch.command);
    const config = join(dir, launch.configName);
    await writeFile(config, launch.render(dir, ports));
    const process = startProcess(launch.command, launch.args(config, dir), dir);
    try {
      await waitReady(dir, () => launch.probe(dir), process.exited, process.output);
    } catch (error) {
      await process.stop();
      if (attempt < 3 && /bind|in use/i.test(process.output())) continue;
      throw error;
    }
    return { dir, ports, process };
  }
}
