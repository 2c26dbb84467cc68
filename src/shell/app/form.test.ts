import { describe, expect, it } from 'vitest';
import { cloneForm, editForm, formKey, newForm, type FormOutcome, type FormState } from './form.js';
import { charKey, namedKey, type KeyPress } from './keys.js';
import { makeSession } from './testing.js';

function press(form: FormState, ...keys: KeyPress[]): FormOutcome {
  let out: FormOutcome = { type: 'update', form };
  for (const k of keys) {
    if (out.type !== 'update') return out;
    out = formKey(out.form, k);
  }
  return out;
}

function formOf(out: FormOutcome): FormState {
  if (out.type !== 'update') throw new Error(`expected update, got ${out.type}`);
  return out.form;
}

const tab = namedKey('tab');
const backTab = namedKey('tab', { shift: true });

describe('form keys', () => {
  it('cycles fields with Tab and Shift-Tab, wrapping around', () => {
    const f = newForm('a1');
    expect(formOf(press(f, tab)).active).toBe('protocol');
    expect(formOf(press(f, tab, tab, tab, tab)).active).toBe('repo');
    expect(formOf(press(f, tab, tab, tab, tab, tab)).active).toBe('name');
    expect(formOf(press(f, backTab)).active).toBe('repo');
    // The repository is set at create only: edit cycles the four fields of the seed.
    const e = editForm(makeSession({ name: 'web', repo: 'https://example.com/r.git', branch: 'convocate/web' }));
    expect(formOf(press(e, backTab)).active).toBe('dns');
  });

  it('types and erases in the active field', () => {
    const f = formOf(press(newForm('a1'), charKey('web'), charKey('x'), namedKey('backspace')));
    expect(f.name).toBe('we' + 'b');
    const g = formOf(press(f, tab, tab, charKey('80'), tab, charKey('web.dev')));
    expect(g).toMatchObject({ port: '80', dns: 'web.dev' });
  });

  it('toggles the protocol with Space and sets it with t / u, only on that field', () => {
    const onProto = formOf(press(newForm('a1'), tab));
    expect(formOf(press(onProto, charKey(' '))).protocol).toBe('udp');
    expect(formOf(press(onProto, charKey(' '), charKey(' '))).protocol).toBe('tcp');
    expect(formOf(press(onProto, charKey('u'))).protocol).toBe('udp');
    expect(formOf(press(onProto, charKey('U'), charKey('t'))).protocol).toBe('tcp');
    // On the name field the same keys are just text.
    expect(formOf(press(newForm('a1'), charKey('u'))).name).toBe('u');
  });

  it('submits validated fields', () => {
    const out = press(newForm('a1'), charKey('web'), tab, charKey(' '), tab, charKey('-1'), tab, charKey('web'), namedKey('return'));
    expect(out).toEqual({ type: 'submit', fields: { name: 'web', protocol: 'udp', port: -1, dns_name: 'web' } });
  });

  it('stays on the form with the error and the offending field active', () => {
    const bad = formOf(press(newForm('a1'), charKey('ok'), tab, tab, charKey('99999'), tab, namedKey('return')));
    expect(bad.active).toBe('port');
    expect(bad.error).toMatch(/port/);
    const noName = formOf(press(newForm('a1'), tab, namedKey('return')));
    expect(noName).toMatchObject({ active: 'name', error: 'name is required' });
    const dns = formOf(press(newForm('a1'), charKey('ok'), backTab, backTab, charKey('Bad'), namedKey('return')));
    expect(dns).toMatchObject({ active: 'dns' });
    expect(dns.error).toMatch(/dns name "Bad" is invalid/);
    // Typing again clears the error.
    expect(formOf(press(dns, charKey('x'))).error).toBeUndefined();
  });

  it('cancels with Esc', () => {
    expect(press(newForm('a1'), charKey('x'), namedKey('escape'))).toEqual({ type: 'cancel' });
  });

  it('prefills edit from the session and allows an empty name (keeps the old one)', () => {
    const s = makeSession({ name: 'old', port: 8080, protocol: 'udp', dns_name: 'old.dev' });
    const f = editForm(s);
    expect(f).toMatchObject({ purpose: 'edit', name: 'old', port: '8080', protocol: 'udp', dns: 'old.dev', agentId: 'a1' });
    const erased = press(f, ...Array(3).fill(namedKey('backspace')), namedKey('return'));
    expect(erased).toEqual({ type: 'submit', fields: { name: '', protocol: 'udp', port: 8080, dns_name: 'old.dev' } });
  });

  it('clone asks only for a name', () => {
    const f = cloneForm(makeSession({ name: 'src' }));
    expect(f.name).toBe('src-clone');
    expect(formOf(press(f, tab)).active).toBe('name');
    expect(press(f, namedKey('return'))).toMatchObject({ type: 'submit', fields: { name: 'src-clone' } });
  });

  it('takes an optional repository at create: checked there, sent only when given', () => {
    const named = formOf(press(newForm('a1'), charKey('web'), backTab));
    const bad = formOf(press(named, charKey('--upload-pack=x'), namedKey('return')));
    expect(bad).toMatchObject({ active: 'repo' });
    expect(bad.error).toMatch(/repo .* is invalid/);
    const good = press(named, charKey('https://example.com/r.git'), namedKey('return'));
    expect(good).toEqual({ type: 'submit', fields: { name: 'web', protocol: 'tcp', port: 0, dns_name: '', repo: 'https://example.com/r.git' } });
    expect(press(newForm('a1'), charKey('web'), namedKey('return'))).toEqual({ type: 'submit', fields: { name: 'web', protocol: 'tcp', port: 0, dns_name: '' } });
  });
});

describe('the clone form with several agents', () => {
  const source = makeSession({ name: 'web', agent_id: 'a1' });
  it('offers where the copy goes: Space picks the next agent; the same agent means a local clone', () => {
    const f = cloneForm(source, ['a1', 'a2', 'a3']);
    expect(f).toMatchObject({ targets: ['a1', 'a2', 'a3'], target: 'a1' });
    expect(press(f, namedKey('return'))).toEqual({ type: 'submit', fields: { name: 'web-clone', protocol: 'tcp', port: 0, dns_name: '' } });
    const onTarget = formOf(press(f, tab));
    expect(onTarget.active).toBe('target');
    const picked = formOf(press(onTarget, charKey(' ')));
    expect(picked.target).toBe('a2');
    expect(formOf(press(picked, charKey(' '), charKey(' '))).target).toBe('a1');
    expect(formOf(press(onTarget, charKey('x'))).error).toMatch(/Space/);
    expect(press(picked, namedKey('return'))).toEqual({ type: 'submit', fields: { name: 'web-clone', protocol: 'tcp', port: 0, dns_name: '', to: 'a2' } });
  });
  it('with one agent there is nothing to pick', () => {
    const f = cloneForm(source, ['a1']);
    expect(f.targets).toBeUndefined();
    expect(formOf(press(f, tab)).active).toBe('name');
  });
});
