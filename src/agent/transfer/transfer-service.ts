// What the transfer subsystem does on one agent (SPEC §4): "out" sends a
// session's metadata and home, held still (locked, paused when running) until
// the last byte left; "in" checks the metadata as untrusted, receives the home
// into a staging dir and publishes the session only once every member passed.
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Session } from '../../protocol/session.js';
import { MAX_TRANSFER_BYTES, type OutgoingHome, type TransferApi, type TransferInHeader } from '../../protocol/transfer.js';
import { assertUuid } from '../../protocol/validation.js';
import { ConvocateError } from '../../protocol/errors.js';
import type { SessionEngine } from '../engine/engine.js';
import type { SessionStore } from '../sessions/store.js';
import { parseSessionMeta } from '../sessions/session-file.js';
import { receiveHome } from './receive-home.js';
import { sendHome } from './send-home.js';

export class TransferService implements TransferApi {
  constructor(
    private readonly engine: SessionEngine,
    private readonly store: SessionStore,
    private readonly maxBytes = MAX_TRANSFER_BYTES,
  ) {}

  async transferOut(id: string): Promise<OutgoingHome> {
    assertUuid(id);
    await this.store.get(id);
    return new Promise<OutgoingHome>((resolve, reject) => {
      this.store.locks
        .withLock(id, () =>
          this.engine.frozen(id, async () => {
            const meta = await this.store.get(id);
            const stream = sendHome(this.store.homeDir(id));
            resolve({ meta, stream });
            // Held still until the stream ended or failed: the copy is one snapshot.
            await finished(stream).catch(() => undefined);
          }),
        )
        .catch(reject);
    });
  }

  async transferIn(header: TransferInHeader, stream: Readable): Promise<Session> {
    // The sending agent is a peer: its metadata passes the same checks as a session.json on disk.
    const probe = '00000000-0000-4000-8000-000000000000';
    let source;
    try {
      source = parseSessionMeta(JSON.stringify({ ...header.meta, uuid: probe }), probe);
    } catch (err) {
      stream.resume();
      throw new ConvocateError('bad_request', `transfer: session metadata refused: ${(err as Error).message}`);
    }
    const meta = await this.store.receive(source, { name: header.name, move: header.move === true }, (home, owner) =>
      receiveHome(stream, home, { maxBytes: this.maxBytes, ...(owner ? { owner } : {}) }),
    );
    return this.engine.adopt(meta);
  }
}
