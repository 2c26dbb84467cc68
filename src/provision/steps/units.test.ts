import { describe, expect, it } from 'vitest';
import { cgroupParentFor, MAX_NOTIFY_CMD, parseAgentUnit, parseStatusUnit, parseWebUnit, renderAgentUnit, renderNotifyEnv, renderSlice, renderStatusUnit, renderWebUnit, renderWrapper, sliceLimits } from './units.js';

const GiB = 1024 ** 3;

describe('slice arithmetic', () => {
  it('caps CPU at 90 % per core and memory at 90 % of RAM, page-aligned', () => {
    expect(sliceLimits(4, 24 * GiB)).toEqual({ cpuQuotaPercent: 360, memoryMaxBytes: 23192821760 });
    expect(sliceLimits(1, 1 * GiB)).toEqual({ cpuQuotaPercent: 90, memoryMaxBytes: 966365184 });
    expect(sliceLimits(1, 1 * GiB).memoryMaxBytes % 4096).toBe(0);
    expect(sliceLimits(2, 8 * GiB, 50)).toEqual({ cpuQuotaPercent: 100, memoryMaxBytes: 4 * GiB });
  });

  it('refuses nonsense facts instead of writing a useless slice', () => {
    expect(() => sliceLimits(0, GiB)).toThrow(/core count/);
    expect(() => sliceLimits(Number.NaN, GiB)).toThrow(/core count/);
    expect(() => sliceLimits(2, Number.NaN)).toThrow(/memory size/);
    expect(() => sliceLimits(2, 1024)).toThrow(/memory size/);
  });

  it('renders the slice with both limits', () => {
    const text = renderSlice({ cpuQuotaPercent: 180, memoryMaxBytes: 1000 });
    expect(text).toContain('[Slice]\nCPUAccounting=yes\nCPUQuota=180%\nMemoryAccounting=yes\nMemoryMax=1000\nTasksAccounting=yes\nTasksMax=90%\n');
  });
});

describe('cgroup parent', () => {
  it('is a path with cgroupfs and the slice name with systemd', () => {
    expect(cgroupParentFor('cgroupfs')).toBe('/convocate.slice/convocate-sessions.slice');
    expect(cgroupParentFor('systemd')).toBe('convocate-sessions.slice');
    expect(() => cgroupParentFor('')).toThrow(/unknown Docker cgroup driver ""/);
  });
});

describe('units', () => {
  it('runs the agent on tcp/222 in the slice, restarting on failure, logging to the journal', () => {
    const text = renderAgentUnit({ cgroupParent: '/convocate.slice/convocate-sessions.slice', image: 'convocate-session:1.2.3', shellPort: 2223 });
    expect(text).toContain('ExecStart=/usr/local/bin/convocate-agent serve --listen 0.0.0.0:222 --config-dir /etc/convocate-agent --cgroup-parent /convocate.slice/convocate-sessions.slice --image convocate-session:1.2.3 --shell-port 2223\n');
    expect(text).toContain('Restart=on-failure\n');
    expect(text).toContain('StandardOutput=journal\n');
    expect(text).toContain('After=network-online.target docker.service convocate-sessions.slice\n');
    expect(text).toContain('Wants=network-online.target docker.service convocate-sessions.slice\n');
    expect(text).toContain('WantedBy=multi-user.target');
    expect(renderAgentUnit({ cgroupParent: 'x.slice', image: 'i' })).not.toContain('--shell-port');
  });

  it('runs status-serve on the given address, with the dns domain only when set', () => {
    const text = renderStatusUnit({ listen: '0.0.0.0:223' });
    expect(text).toContain('ExecStart=/usr/local/bin/convocate status-serve --listen 0.0.0.0:223 --dnsmasq-pid-file /run/dnsmasq/dnsmasq.pid\n');
    expect(renderStatusUnit({ listen: '0.0.0.0:223', dnsDomain: 'lab' })).toContain('--dns-domain lab\n');
    // Least privilege: writes only its state dir, binds and signals, nothing else of root.
    expect(text).toContain('NoNewPrivileges=yes\nProtectSystem=strict\nReadWritePaths=/var/lib/convocate\n');
    expect(text).toContain('CapabilityBoundingSet=CAP_NET_BIND_SERVICE CAP_KILL\n');
  });

  it('passes the notify command from its environment file as one argument, only when asked', () => {
    const text = renderStatusUnit({ listen: '0.0.0.0:223', notify: true });
    expect(text).toContain(' --notify-cmd ${CONVOCATE_NOTIFY_CMD}\n');
    expect(text).toContain('EnvironmentFile=/etc/convocate/notify.env\n');
    expect(renderStatusUnit({ listen: '0.0.0.0:223' })).not.toMatch(/notify/);
  });

  it('writes the notify command with systemd\'s double-quote escapes, and refuses what one line cannot carry', () => {
    expect(renderNotifyEnv('curl -d "$CONVOCATE_NAME is 100%" `x` \\n https://ntfy.sh/t')).toBe(
      '# installed by convocate-host: status-serve --notify-cmd\nCONVOCATE_NOTIFY_CMD="curl -d \\"\\$CONVOCATE_NAME is 100%\\" \\`x\\` \\\\n https://ntfy.sh/t"\n',
    );
    expect(renderNotifyEnv(undefined)).not.toContain('CONVOCATE_NOTIFY_CMD=');
    expect(() => renderNotifyEnv('   ')).toThrow(/needs a command/);
    expect(() => renderNotifyEnv('echo a\necho b')).toThrow(/one line/);
    expect(() => renderNotifyEnv('x'.repeat(MAX_NOTIFY_CMD + 1))).toThrow(/longer than/);
  });

  it('points every wrapper at the current bundle and its own Node', () => {
    expect(renderWrapper('convocate-agent')).toMatch(/\nexec \/opt\/convocate\/current\/node \/opt\/convocate\/current\/dist\/bin\/convocate-agent\.js "\$@"\n$/);
  });
});

describe('reading installed units back (what update re-renders them from)', () => {
  it('round-trips the options of both units', () => {
    for (const o of [{ cgroupParent: 'convocate-sessions.slice', image: 'convocate-session:1.0.0' }, { cgroupParent: '/a/b', image: 'i:2', shellPort: 2223 }]) {
      expect(parseAgentUnit(renderAgentUnit(o))).toEqual(o);
    }
    for (const o of [{ listen: '0.0.0.0:223' }, { listen: '10.0.0.1:2223', dnsDomain: 'lab' }, { listen: '0.0.0.0:223', notify: true }]) {
      expect(parseStatusUnit(renderStatusUnit(o))).toEqual(o);
    }
  });

  it('round-trips the web unit, with TLS or plain HTTP', () => {
    for (const o of [{ listen: '0.0.0.0:7681', tls: true }, { listen: '10.0.0.1:8080', tls: false, insecureHttp: true }, { listen: '127.0.0.1:7681', tls: false }]) {
      expect(parseWebUnit(renderWebUnit(o))).toEqual(o);
    }
  });

  it('the web unit reads its TLS files from the config dir and may write nothing', () => {
    const unit = renderWebUnit({ listen: '0.0.0.0:7681', tls: true });
    expect(unit).toContain('ExecStart=/usr/local/bin/convocate web --listen 0.0.0.0:7681 --tls-cert /etc/convocate/web-tls/cert.pem --tls-key /etc/convocate/web-tls/key.pem\n');
    expect(unit).toContain('ProtectSystem=strict\n');
    expect(unit).not.toContain('ReadWritePaths');
    expect(unit).toContain('CapabilityBoundingSet=CAP_NET_BIND_SERVICE\n');
  });

  it('does not claim a unit it did not write', () => {
    expect(parseAgentUnit('[Service]\nExecStart=/usr/bin/something --flag x\n')).toBeUndefined();
    expect(parseAgentUnit('')).toBeUndefined();
    expect(parseStatusUnit('[Unit]\n')).toBeUndefined();
  });
});
