// `image build` flags → which Claude goes into the image.
import { ConvocateError } from '../../protocol/errors.js';
import { DEFAULT_CLAUDE_VERSION, fileClaude, NO_CLAUDE, npmClaude, resolveClaudeVersion, type ClaudeSource } from './claude-binary.js';

export interface ClaudeFlags {
  claudeVersion?: string;
  claudeFrom?: string;
  /** commander's `--no-claude`: false when given. */
  claude?: boolean;
}

export async function claudeSourceFromFlags(flags: ClaudeFlags): Promise<ClaudeSource> {
  const given = [flags.claudeVersion !== undefined, flags.claudeFrom !== undefined, flags.claude === false].filter(Boolean).length;
  if (given > 1) throw new ConvocateError('invalid_argument', 'pick one of --claude-version, --claude-from and --no-claude');
  if (flags.claude === false) return NO_CLAUDE;
  if (flags.claudeFrom !== undefined) return fileClaude(flags.claudeFrom);
  return npmClaude(await resolveClaudeVersion(flags.claudeVersion ?? DEFAULT_CLAUDE_VERSION));
}
