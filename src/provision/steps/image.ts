// The session image on a target: left alone when the tag is there; otherwise
// `docker save` here, streamed over ssh into a file there, sha256 compared on
// both ends, then `docker load`. Never held in memory whole. `--build-image`
// builds it on the target instead.
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import Docker from 'dockerode';
import { shellQuote, type Host } from '../host.js';
import { step, type Print } from '../report.js';

export interface ImageOptions {
  tag: string;
  build: boolean;
  docker?: Docker;
}

export async function ensureImage(host: Host, opts: ImageOptions, print: Print): Promise<'already' | 'shipped' | 'built'> {
  const title = 'session image';
  const tag = shellQuote(opts.tag);
  const have = await step(host.name, title, print, async () => (await host.run(`docker image inspect --format '{{.Id}}' ${tag}`, { allowFail: true })).code === 0);
  if (have) {
    print(`[${host.name}] ${title}: already present: ${opts.tag}`);
    return 'already';
  }
  if (opts.build) {
    print(`[${host.name}] ${title}: building ${opts.tag} on the host`);
    await step(host.name, title, print, () =>
      host.run(`o=''; command -v debootstrap >/dev/null && o=--offline; convocate-agent image build --tag ${tag} $o >&2`),
      'the build needs a registry (or debootstrap for --offline); fix that or drop --build-image to ship the image from here',
    );
    return 'built';
  }
  await step(host.name, title, print, async () => {
    const docker = opts.docker ?? new Docker();
    const image = docker.getImage(opts.tag);
    await image.inspect().catch((err: unknown) => {
      throw new Error(`${opts.tag} is not in this machine's Docker (${(err as Error).message})`);
    });
    print(`[${host.name}] ${title}: shipping ${opts.tag} (docker save | ssh | docker load)`);
    const hash = createHash('sha256');
    let bytes = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    const saved = await image.get();
    saved.on('error', (err: Error) => hashing.destroy(err));
    saved.pipe(hashing);
    const received = await host.run(
      `d=/var/tmp/convocate-image; mkdir -p -m 0700 $d; f=$(mktemp $d/image.XXXXXX.tar); cat > "$f"; echo "$f $(sha256sum < "$f" | cut -c1-64)"`,
      { input: hashing },
    );
    const [file = '', remoteSum = ''] = received.stdout.trim().split(' ');
    const localSum = hash.digest('hex');
    if (remoteSum !== localSum) {
      await host.run(`rm -f ${shellQuote(file)}`, { allowFail: true });
      throw new Error(`checksum mismatch: sent ${bytes} bytes with sha256 ${localSum}, the host received ${remoteSum || 'nothing'}; the copy was removed`);
    }
    print(`[${host.name}] ${title}: ${(bytes / 1024 ** 2).toFixed(1)} MiB arrived, sha256 ${localSum.slice(0, 12)}… matches; loading`);
    await host.run(`docker load -q -i ${shellQuote(file)} >&2; rc=$?; rm -f ${shellQuote(file)}; exit $rc`);
  }, 'make sure the image exists here (`convocate-agent image build --offline`) and the host has disk space under /var/tmp, then run again');
  return 'shipped';
}
