// A stand-in for the Anthropic Messages API, enough for the real Claude Code
// in e2e tests: POST /v1/messages (SSE when stream:true, JSON otherwise),
// count_tokens, HEAD /. It answers plain text, or a Bash tool_use when the
// last prompt says `RUN_BASH: <command>` and the request offers a Bash tool.
// Plain JavaScript so that a bare node binary can run it inside a container.
// Each request is logged as one JSON line on stdout: {"method","path","kind"},
// plus "user": the text of every user turn it carried (to see a conversation
// resumed) and "model". Every reply reports the same usage (USAGE).
import { createServer } from 'node:http';

const port = Number(process.env.PORT || 8080);
/** What every reply reports, so that a test can check the sums a session shows. */
export const USAGE = { input_tokens: 120, output_tokens: 30, cache_creation_input_tokens: 500, cache_read_input_tokens: 2000 };
let counter = 0;
const nextId = (prefix) => `${prefix}_${Date.now().toString(36)}${(counter++).toString(36)}`;

function textsOf(message) {
  if (!message) return [];
  if (typeof message.content === 'string') return [message.content];
  if (!Array.isArray(message.content)) return [];
  return message.content.filter((b) => b && b.type === 'text' && typeof b.text === 'string').map((b) => b.text);
}

/** What to answer: a Bash tool_use, or text. */
export function plan(body) {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages[messages.length - 1];
  const afterTool = Array.isArray(last?.content) && last.content.some((b) => b && b.type === 'tool_result');
  const offersBash = Array.isArray(body.tools) && body.tools.some((t) => t && t.name === 'Bash');
  const marker = textsOf(last).map((t) => /RUN_BASH: ([^\n<]+)/.exec(t)).find(Boolean);
  if (offersBash && !afterTool && marker) {
    return { kind: 'tool_use', command: marker[1].trim() };
  }
  const all = messages.flatMap(textsOf).join('\n') + JSON.stringify(body.system ?? '');
  if (/title/i.test(all) && !offersBash) return { kind: 'title', text: 'Stand-in session' };
  return { kind: 'text', text: afterTool ? 'The command ran.' : 'Hello from the stand-in.' };
}

function messageOf(body, p) {
  const content = p.kind === 'tool_use'
    ? [{ type: 'tool_use', id: nextId('toolu'), name: 'Bash', input: { command: p.command, description: 'Run the requested command' } }]
    : [{ type: 'text', text: p.text }];
  return {
    id: nextId('msg'),
    type: 'message',
    role: 'assistant',
    model: typeof body.model === 'string' ? body.model : 'claude-stand-in',
    content,
    stop_reason: p.kind === 'tool_use' ? 'tool_use' : 'end_turn',
    stop_sequence: null,
    usage: USAGE,
  };
}

function streamMessage(res, msg) {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'request-id': nextId('req') });
  const send = (type, data) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  // The whole usage up front as well as at the end: whichever Claude records, the figures are the same.
  send('message_start', { message: { ...msg, content: [], stop_reason: null, usage: msg.usage } });
  msg.content.forEach((block, index) => {
    if (block.type === 'text') {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      send('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
    } else {
      send('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
    }
    send('content_block_stop', { index });
  });
  send('message_delta', { delta: { stop_reason: msg.stop_reason, stop_sequence: null }, usage: { output_tokens: msg.usage.output_tokens } });
  send('message_stop', {});
  res.end();
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 32 * 1024 * 1024) req.destroy(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const json = (res, status, value) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
};

const server = createServer(async (req, res) => {
  const path = (req.url || '/').split('?')[0];
  let user = [];
  let model = '';
  const log = (kind) => process.stdout.write(`${JSON.stringify({ method: req.method, path, kind, user, model })}\n`);
  try {
    if (req.method === 'HEAD' || (req.method === 'GET' && path === '/')) {
      log('probe');
      res.writeHead(200);
      res.end();
      return;
    }
    if (req.method === 'POST' && path === '/v1/messages/count_tokens') {
      await readBody(req);
      log('count_tokens');
      json(res, 200, { input_tokens: 12 });
      return;
    }
    if (req.method === 'POST' && path === '/v1/messages') {
      const body = JSON.parse((await readBody(req)) || '{}');
      const messages = Array.isArray(body.messages) ? body.messages : [];
      user = messages.filter((m) => m && m.role === 'user').flatMap(textsOf).map((t) => t.slice(0, 300));
      model = typeof body.model === 'string' ? body.model : '';
      const p = plan(body);
      log(`${body.stream ? 'stream' : 'json'}:${p.kind}`);
      const msg = messageOf(body, p);
      if (body.stream) streamMessage(res, msg);
      else json(res, 200, msg);
      return;
    }
    await readBody(req);
    log('unknown');
    json(res, 404, { type: 'error', error: { type: 'not_found_error', message: `no route ${req.method} ${path}` } });
  } catch (err) {
    log('error');
    json(res, 400, { type: 'error', error: { type: 'invalid_request_error', message: String(err && err.message) } });
  }
});

server.listen(port, '0.0.0.0', () => process.stdout.write(`${JSON.stringify({ listening: port })}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
