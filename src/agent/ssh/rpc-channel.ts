// One `convocate-agent-rpc` channel: read one request line, answer one line,
// exit 0, close. Whatever the peer sends (garbage, nothing, a line without end)
// it gets an `ok:false` answer or a timeout, never a crash; an op that outlives
// its server-side deadline is answered `unavailable` (its own Docker timeouts
// then end it and release its lock).
import type { ServerChannel } from 'ssh2';
import type { AgentApi } from '../../protocol/agent-api.js';
import { OP_DEADLINES } from '../../protocol/deadlines.js';
import { ConvocateError } from '../../protocol/errors.js';
import { LineSplitter } from '../../protocol/ndjson.js';
import type { OpName, OpParams } from '../../protocol/ops.js';
import { decodeEnvelope, encodeError, encodeResult, MAX_LINE_BYTES } from '../../protocol/rpc.js';

/** Overrides of the protocol's OP_DEADLINES (tests shorten them). */
export interface OpDeadlines {
  defaultMs?: number;
  perOp?: Partial<Record<OpName, number>>;
}


export interface RpcChannelOptions {
  /** How long a channel may stay open without a complete request line. */
  timeoutMs: number;
  log: (msg: string) => void;
  deadlines?: OpDeadlines;
}

export function serveRpcChannel(channel: ServerChannel, api: AgentApi, opts: RpcChannelOptions): void {
  const splitter = new LineSplitter(MAX_LINE_BYTES);
  let answered = false;
  let received = false;

  const answer = (line: string) => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    if (channel.destroyed || !channel.writable) return;
    channel.write(line);
    channel.exit(0);
    channel.end();
  };

  const handle = (line: string) => {
    received = true;
    clearTimeout(timer);
    // Later bytes are drained and ignored: one request per channel.
    channel.removeListener('data', onData);
    channel.resume();
    run(api, line, opts.deadlines).then(answer, (err: unknown) => answer(encodeError(err)));
  };

  const onData = (chunk: Buffer) => {
    let lines: string[];
    try {
      lines = splitter.push(chunk);
    } catch (err) {
      received = true;
      channel.removeListener('data', onData);
      channel.resume();
      return answer(encodeError(err));
    }
    if (lines[0] !== undefined) handle(lines[0]);
  };

  const timer = setTimeout(() => {
    answer(encodeError(new ConvocateError('bad_request', `no request line within ${opts.timeoutMs} ms`)));
  }, opts.timeoutMs);

  channel.on('data', onData);
  // A client that closes its write half without "\n" still sent a request.
  channel.once('end', () => {
    if (answered || received) return;
    let rest: string | undefined;
    try {
      rest = splitter.rest();
    } catch (err) {
      return answer(encodeError(err));
    }
    handle(rest ?? '');
  });
  channel.once('close', () => {
    answered = true;
    clearTimeout(timer);
  });
  channel.on('error', (err: Error) => opts.log(`rpc channel error: ${err.message}`));
}

async function run(api: AgentApi, line: string, deadlines: OpDeadlines = {}): Promise<string> {
  const req = decodeEnvelope(line);
  const ms = deadlines.perOp?.[req.op] ?? deadlines.defaultMs ?? OP_DEADLINES[req.op].agentMs;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ConvocateError('unavailable', `${req.op} did not finish within ${ms} ms on the agent`)), ms);
  });
  try {
    // The api decodes params against the op's own schema (once, for this path and the in-process one).
    const result = await Promise.race([api.call(req.op, req.params as OpParams<OpName>), late]);
    return encodeResult(result);
  } finally {
    clearTimeout(timer);
  }
}
