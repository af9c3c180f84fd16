import type { Socket as UdpSocket } from 'node:dgram';

/** What a protocol listener reports in /api/stats: its bound ports, or why it has none. */
export interface ListenerState {
  readonly tcp?: number;
  readonly udp?: number;
  /** Why a socket could not be bound (the listener runs without it). */
  readonly error?: string;
}

/** Binds a UDP socket; resolves with the bound port. */
export function bindUdp(socket: UdpSocket, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ port, address: host, exclusive: true }, () => {
      socket.off('error', reject);
      resolve(socket.address().port);
    });
  });
}

/** A log-ready message for a socket that could not be bound, naming the port and the fix. */
export function bindProblem(protocol: string, transport: 'TCP' | 'UDP', port: number, error: unknown, flag: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'EADDRINUSE'
      ? 'is in use by another program'
      : code === 'EACCES'
        ? 'needs privileges (ports below 1024)'
        : `cannot be bound (${error instanceof Error ? error.message : String(error)})`;
  return `${protocol} ${transport} port ${port} ${why}: running without it; stop the other program, or choose another port with ${flag} <port> (or ${flag} off)`;
}
