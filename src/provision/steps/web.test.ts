import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkWebOptions } from './web.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'web-opts-'));
  await writeFile(join(dir, 'cert.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  await writeFile(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n');
  await writeFile(join(dir, 'junk'), 'hello\n');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('init-shell --web, checked before any host is touched', () => {
  it("refuses a non-loopback address without TLS, as `convocate web` does, unless --insecure-http", async () => {
    await expect(checkWebOptions({ listen: '0.0.0.0:7681' })).rejects.toThrow(/refusing to serve 0\.0\.0\.0 without TLS/);
    await expect(checkWebOptions({ listen: '0.0.0.0:7681', insecureHttp: true })).resolves.toBeUndefined();
    await expect(checkWebOptions({ listen: '127.0.0.1:7681' })).resolves.toBeUndefined();
  });

  it('refuses a bad address, a lone TLS flag, a missing file and files that are not PEM', async () => {
    await expect(checkWebOptions({ listen: 'nowhere' })).rejects.toThrow(/--listen "nowhere" is invalid/);
    await expect(checkWebOptions({ listen: '0.0.0.0:7681', tlsCert: join(dir, 'cert.pem') })).rejects.toThrow(/go together/);
    await expect(checkWebOptions({ listen: '0.0.0.0:7681', tlsCert: join(dir, 'nope'), tlsKey: join(dir, 'key.pem') })).rejects.toThrow(/--tls-cert .*no such file/);
    await expect(checkWebOptions({ listen: '0.0.0.0:7681', tlsCert: join(dir, 'junk'), tlsKey: join(dir, 'key.pem') })).rejects.toThrow(/not a PEM certificate/);
    await expect(checkWebOptions({ listen: '0.0.0.0:7681', tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'junk') })).rejects.toThrow(/not a PEM private key/);
  });

  it('hands back the TLS files to ship', async () => {
    const tls = await checkWebOptions({ listen: '0.0.0.0:7681', tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    expect(tls?.cert).toContain('BEGIN CERTIFICATE');
    expect(tls?.key).toContain('BEGIN PRIVATE KEY');
  });
});
