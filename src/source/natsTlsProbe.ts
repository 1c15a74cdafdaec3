// Names a TLS refusal that the NATS client reports only as a timeout: one handshake of our own with the server, reading its alert.

import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

export interface TlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

const REFUSED_CERTIFICATE =
  /ALERT_(CERTIFICATE_REQUIRED|UNKNOWN_CA|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|CERTIFICATE_EXPIRED)/;

/**
 * With TLS 1.3 a server that refuses the client's certificate says so in an
 * alert after the handshake has completed on the client's side; nats.js
 * drops that error and its connect attempt ends in a bare "timeout". This
 * does what the client does (read INFO, upgrade to TLS with the same files)
 * and waits briefly for such an alert. Resolves with the reason, or
 * undefined when the handshake holds (or the server cannot be reached).
 */
export function probeTls(server: string, files: TlsFiles, timeoutMs = 2_000): Promise<string | undefined> {
  const { hostname, port } = new URL(server);
  const host = hostname.replace(/^\[|\]$/g, '');
  return new Promise((resolve) => {
    let settled = false;
    let secure: tls.TLSSocket | undefined;
    const socket = net.connect({ host, port: Number(port || 4222) });
    const finish = (reason: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      secure?.destroy();
      socket.destroy();
      resolve(reason);
    };
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    socket.once('error', () => finish(undefined));
    let info = '';
    const onInfo = (chunk: Buffer) => {
      info += chunk.toString('latin1');
      if (!info.includes('\r\n')) return;
      socket.off('data', onInfo);
      secure = tls.connect({
        socket,
        ...(net.isIP(host) ? {} : { servername: host }),
        ...(files.caFile ? { ca: readFileSync(files.caFile) } : {}),
        ...(files.certFile ? { cert: readFileSync(files.certFile) } : {}),
        ...(files.keyFile ? { key: readFileSync(files.keyFile) } : {}),
      });
      secure.on('error', (error: NodeJS.ErrnoException) => finish(tlsReason(error)));
      // Data (the server's answer) means the server kept the connection: TLS is not the problem.
      secure.on('data', () => finish(undefined));
      secure.on('close', () => finish(undefined));
    };
    socket.on('data', onInfo);
  });
}

/** `error:0A00045C:SSL routines::tlsv13 alert certificate required` → words a reader can act on. */
function tlsReason(error: NodeJS.ErrnoException): string {
  const detail = error.message.replace(/^error:[0-9A-F]+:SSL routines:[^:]*:/i, '');
  return REFUSED_CERTIFICATE.test(error.code ?? '') ? `the server refused the client certificate (${detail})` : detail;
}
