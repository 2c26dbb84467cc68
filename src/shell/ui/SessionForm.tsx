// The create / edit / clone form: one line per field, the active one marked,
// the protocol as a two-way choice, and the validation error under the fields.
import { Box, Text } from 'ink';
import { FIELD_LABELS, formFields, type FieldName, type FormState } from '../app/form.js';
import { Dialog } from './Dialog.js';

function title(form: FormState): string {
  switch (form.purpose) {
    case 'create':
      return `New session on agent ${form.agentId}`;
    case 'edit':
      return `Edit ${form.source?.name ?? 'session'}`;
    case 'clone':
      return `Clone ${form.source?.name ?? 'session'}`;
  }
}

const HINTS: Partial<Record<FieldName, string>> = {
  protocol: 'Space, t or u',
  port: '0 none, -1 auto',
  repo: 'optional git URL',
  target: 'Space: next agent',
};

/** The tail of a long value, so the cursor end stays visible. */
function tail(text: string, width: number): string {
  return text.length <= width ? text : `…${text.slice(text.length - width + 1)}`;
}

function FieldLine({ form, field, valueWidth }: { form: FormState; field: FieldName; valueWidth: number }) {
  const active = form.active === field;
  const label = FIELD_LABELS[field].padEnd(9);
  if (field === 'protocol') {
    return (
      <Text wrap="truncate">
        {active ? '> ' : '  '}
        {label}{' '}
        <Text bold={form.protocol === 'tcp'}>{form.protocol === 'tcp' ? '[tcp]' : ' tcp '}</Text>
        <Text bold={form.protocol === 'udp'}>{form.protocol === 'udp' ? '[udp]' : ' udp '}</Text>
        <Text dimColor>{active ? `  ${HINTS.protocol}` : ''}</Text>
      </Text>
    );
  }
  if (field === 'target') {
    return (
      <Text wrap="truncate">
        {active ? '> ' : '  '}
        {label}{' '}
        {(form.targets ?? []).map((t) => (
          <Text key={t} bold={t === form.target}>
            {t === form.target ? `[${t}]` : ` ${t} `}
          </Text>
        ))}
        <Text dimColor>{active ? `  ${HINTS.target}` : ''}</Text>
      </Text>
    );
  }
  const value = field === 'name' ? form.name : field === 'port' ? form.port : field === 'repo' ? form.repo : form.dns;
  const shown = tail(value, valueWidth - 1) + (active ? '_' : '');
  return (
    <Text wrap="truncate">
      {active ? '> ' : '  '}
      {label}{' '}
      <Text bold={active} underline={!active && value === ''}>
        {shown || ' '}
      </Text>
      <Text dimColor>{active && HINTS[field] ? `  ${HINTS[field]}` : ''}</Text>
    </Text>
  );
}

export function SessionForm({ form, width }: { form: FormState; width: number }) {
  const valueWidth = Math.max(8, width - 4 - 12 - 18);
  return (
    <Dialog title={title(form)} width={width}>
      <Box flexDirection="column" marginTop={1}>
        {formFields(form).map((f) => (
          <FieldLine key={f} form={form} field={f} valueWidth={valueWidth} />
        ))}
        {form.purpose === 'edit' && form.source?.repo ? (
          <Text wrap="truncate" dimColor>
            {'  '}
            {'Repo'.padEnd(9)} {form.source.repo} ({form.source.branch ?? ''}, set at create)
          </Text>
        ) : null}
      </Box>
      {form.error ? (
        <Box marginTop={1}>
          <Text color="red" wrap="wrap">
            {form.error}
          </Text>
        </Box>
      ) : null}
    </Dialog>
  );
}
