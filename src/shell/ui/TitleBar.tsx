// The top line: product name, a short summary, load averages and the clock.
import { Text } from 'ink';
import { titleText, type TitleInput } from '../app/format.js';

export function TitleBar(props: TitleInput & { width: number }) {
  const { width, ...input } = props;
  return (
    <Text inverse bold color={(input.activity?.waiting ?? 0) > 0 ? 'yellow' : undefined} wrap="truncate">
      {titleText(input, width)}
    </Text>
  );
}
