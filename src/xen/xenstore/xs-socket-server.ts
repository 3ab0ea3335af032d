/**
 * The daemon's Unix sockets: the only asynchronous part of the xenstore daemon.
 *
 * Source: Xen `tools/xenstored/posix.c` / `core.c` (init_sockets: one stream socket,
 * mode 0600; every socket connection speaks as dom0) and `tools/libs/store/xs.c`
 * (clients find the socket through XENSTORED_PATH, or XENSTORED_RUNDIR/socket).
 *
 * Besides the dom0 socket, "guest sockets" stand in for a domain's ring: a connection
 * accepted there speaks for that domain (permission checks and quotas apply), so real
 * tools can act as a guest. Each event-loop turn's requests are handled as one batch:
 * output is held while the turn's input is processed, then the journal is made durable
 * once (group commit) and each client gets one write.
 * A client that stops reading (16 MiB queued) is disconnected rather than buffered
 * without bound (xenstored bounds this with its memory quota and event timeouts).
 */

import { chmodSync, existsSync, lstatSync, unlinkSync } from "node:fs";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { Xenstored } from "./xenstored.js";
import type { XsConnection } from "./xs-connection.js";
import { dispatch } from "./xs-dispatch.js";
import { XsProtocolError, XsStreamParser } from "./xs-parser.js";

/** Bytes a slow client may leave unread before it is dropped. */
const MAX_UNREAD_BYTES = 16 * 1024 * 1024;

export interface XsListenSpec {
  path: string;
  /** Domain the connections speak for; 0 (the default) is the privileged dom0 socket. */
  domid?: number;
}

export interface XsServerEvents {
  /** A connection was dropped for a protocol violation. */
  onProtocolError?(path: string, reason: string): void;
  /** Output could not be made durable (the state file failed): nothing was acknowledged. */
  onFatal?(err: Error): void;
}

interface Client {
  socket: Socket;
  conn: XsConnection;
  parser: XsStreamParser;
  out: Buffer[];
}

export class XsSocketServer {
  private readonly servers: Server[] = [];
  private readonly paths: string[] = [];
  private readonly clients = new Set<Client>();
  private readonly dirty = new Set<Client>();
  private held = false;

  constructor(
    readonly xs: Xenstored,
    private readonly events: XsServerEvents = {},
  ) {}

  /** Starts listening on each path (removing a stale socket file, refusing a live one). */
  async listen(specs: readonly XsListenSpec[]): Promise<void> {
    for (const spec of specs) {
      await clearStaleSocket(spec.path);
      const server = createServer((socket) => this.accept(socket, spec));
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(spec.path, () => {
          server.off("error", reject);
          resolve();
        });
      });
      chmodSync(spec.path, 0o600);
      this.servers.push(server);
      this.paths.push(spec.path);
    }
  }

  /** Stops listening, drops every client and removes the socket files. */
  async close(): Promise<void> {
    for (const c of this.clients) {
      c.socket.destroy();
      this.xs.disconnect(c.conn);
    }
    this.clients.clear();
    await Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    this.servers.length = 0;
    for (const p of this.paths) {
      try {
        unlinkSync(p);
      } catch {
        // already gone
      }
    }
    this.paths.length = 0;
  }

  get connectionCount(): number {
    return this.clients.size;
  }

  private accept(socket: Socket, spec: XsListenSpec): void {
    const domid = spec.domid ?? 0;
    const client: Client = {
      socket,
      parser: new XsStreamParser(),
      out: [],
      conn: undefined as unknown as XsConnection,
    };
    client.conn = this.xs.connect(
      domid,
      {
        frame: (buf) => {
          client.out.push(buf);
          this.dirty.add(client);
        },
      },
      true,
    );
    this.clients.add(client);
    socket.setNoDelay?.(true);
    socket.on("data", (chunk: Buffer) => this.onData(client, spec, chunk));
    socket.on("error", () => this.drop(client));
    socket.on("close", () => this.drop(client));
  }

  private onData(client: Client, spec: XsListenSpec, chunk: Buffer): void {
    if (client.conn.closed) {
      client.socket.destroy();
      return;
    }
    this.holdForTurn();
    try {
      client.parser.push(chunk, (msg) => dispatch(this.xs, client.conn, msg));
    } catch (e) {
      if (!(e instanceof XsProtocolError)) throw e;
      this.events.onProtocolError?.(spec.path, e.message);
      this.drop(client);
    }
  }

  /** Holds output until the end of this event-loop turn, then flushes it all (group commit). */
  private holdForTurn(): void {
    if (this.held) return;
    this.held = true;
    this.xs.hold();
    setImmediate(() => {
      this.held = false;
      try {
        this.xs.release();
      } catch (e) {
        // Persisting failed: drop every client unacknowledged and report.
        for (const c of [...this.clients]) this.drop(c);
        const err = e instanceof Error ? e : new Error(String(e));
        if (this.events.onFatal) this.events.onFatal(err);
        else throw err;
        return;
      }
      this.writeOut();
    });
  }

  private writeOut(): void {
    for (const c of this.dirty) {
      if (c.out.length === 0 || c.socket.destroyed) continue;
      const data = c.out.length === 1 ? c.out[0] : Buffer.concat(c.out);
      c.out = [];
      c.socket.write(data);
      if (c.socket.writableLength > MAX_UNREAD_BYTES) this.drop(c);
    }
    this.dirty.clear();
  }

  private drop(client: Client): void {
    if (!this.clients.has(client)) return;
    this.clients.delete(client);
    this.dirty.delete(client);
    this.xs.disconnect(client.conn);
    client.socket.destroy();
  }
}

/** A socket file left by a dead daemon is removed; a live one is an error. */
async function clearStaleSocket(path: string): Promise<void> {
  if (!existsSync(path)) return;
  if (!lstatSync(path).isSocket())
    throw new Error(`${path} exists and is not a socket; refusing to replace it`);
  const live = await new Promise<boolean>((resolve) => {
    const s = createConnection(path);
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
  if (live) throw new Error(`${path} is in use by another running daemon`);
  unlinkSync(path);
}
