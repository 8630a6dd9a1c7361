import { readFileSync } from 'node:fs';
import { IsOptional, IsString } from 'class-validator';
import { ConfigError, ConfigSection, errorMessage, Option } from '@daedalus/common';
import { SigningKey } from './signing-key';

/** The key coordinators and agents share to sign records, commands and events (see docs/design.md, "Defence in depth"). */
@ConfigSection({
  title: 'Signing',
  note: 'Set the same key file on every coordinator and agent (production does); without one only the structural checks apply.',
})
export class SigningSettings {
  @Option({
    flag: 'command-signing-key-file',
    env: 'DAEDALUS_COMMAND_SIGNING_KEY_FILE',
    description:
      'file holding the key (at least 32 bytes, e.g. `openssl rand -base64 48`) coordinators and agents sign records, commands and events with; never sent',
    placeholder: 'file',
  })
  @IsOptional()
  @IsString()
  readonly keyFile?: string;

  /**
   * The key from the file, surrounding whitespace left out; undefined when no file is configured. A file that
   * cannot be read or is too short is a setting that is wrong (ConfigError: said on the console, exit code 2).
   */
  signingKey(): SigningKey | undefined {
    if (this.keyFile === undefined) return undefined;
    let text: string;
    try {
      text = readFileSync(this.keyFile, 'utf8');
    } catch (error) {
      throw new ConfigError([
        `--command-signing-key-file (DAEDALUS_COMMAND_SIGNING_KEY_FILE) ${this.keyFile} cannot be read: ${errorMessage(error)}`,
      ]);
    }
    try {
      return new SigningKey(Buffer.from(text.trim(), 'utf8'));
    } catch (error) {
      throw new ConfigError([`--command-signing-key-file (DAEDALUS_COMMAND_SIGNING_KEY_FILE) ${this.keyFile}: ${errorMessage(error)}`]);
    }
  }
}
