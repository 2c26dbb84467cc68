// systemd on a target: reload after unit files change, then enable and start a
// unit, restarting it only when something it reads has changed.
import { shellQuote, type Host } from '../host.js';
import { step, type Print } from '../report.js';

export async function daemonReload(host: Host, print: Print): Promise<void> {
  await step(host.name, 'systemd', print, () => host.run('systemctl daemon-reload'));
  print(`[${host.name}] systemd: reloaded unit files`);
}

/** Enable and start `unit`; restart it when `changed` and it was already running. */
export async function ensureService(host: Host, unit: string, changed: boolean, print: Print, remedy?: string): Promise<void> {
  const u = shellQuote(unit);
  await step(host.name, unit, print, async () => {
    const r = await host.run(
      `e=$(systemctl is-enabled ${u} 2>/dev/null); a=$(systemctl is-active ${u} 2>/dev/null)
       case "$e" in enabled|static|generated|indirect) ;; *) case ${u} in *.slice) ;; *) systemctl enable ${u} >&2 || exit 1;; esac;; esac
       # A unit that kept failing (e.g. a bad version just rolled back) may have hit its start limit.
       [ "$a" = active ] || systemctl reset-failed ${u} 2>/dev/null
       if [ "$a" != active ]; then systemctl start ${u} >&2 || exit 1; echo started
       elif [ ${changed ? 1 : 0} = 1 ]; then
         # Stopping a slice would kill what runs in it: its new limits come with daemon-reload.
         case ${u} in *.slice) echo 'limits reloaded';; *) systemctl reset-failed ${u} 2>/dev/null; systemctl restart ${u} >&2 || exit 1; echo restarted;; esac
       else echo already; fi`,
    );
    const what = r.stdout.trim();
    print(`[${host.name}] ${unit}: ${what === 'already' ? 'already running' : what}`);
  }, remedy ?? `see \`journalctl -u ${unit}\` on the host, fix the cause and run again`);
}
