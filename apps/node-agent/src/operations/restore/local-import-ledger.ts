import { dirname, join } from 'node:path';
import { localFileSystem as fs } from '../../adapters/filesystem';

/**
 * The tables this node imported in one restore, in its staging directory
 * (`<staging root>/.daedalus/imported/<operationId>.<hostId>.json`), written durably (fsynced) right after each
 * import and before its ledger fact is reported. The coordinators' ledger may lag behind (the fact is stored
 * in the events stream but not folded yet); with this file a redelivered IMPORT never imports a table twice.
 * CLEANUP removes it with the rest of `.daedalus`.
 */
export class LocalImportLedger {
  private constructor(
    private readonly file: string,
    private readonly tables: Set<string>,
  ) {}

  static fileOf(root: string, operationId: string, hostId: string): string {
    return join(root, '.daedalus', 'imported', `${operationId}.${hostId}.json`);
  }

  /** The ledger as last written (none yet: empty). A file that is not a list of tables is an error, not "nothing imported". */
  static async open(root: string, operationId: string, hostId: string): Promise<LocalImportLedger> {
    const file = LocalImportLedger.fileOf(root, operationId, hostId);
    const text = await fs.readTextIfExists(file);
    if (text === undefined) return new LocalImportLedger(file, new Set());
    const stored: unknown = JSON.parse(text);
    if (!Array.isArray(stored) || !stored.every((t): t is string => typeof t === 'string')) {
      throw new Error(`${file} is not a list of imported tables`);
    }
    return new LocalImportLedger(file, new Set(stored));
  }

  has(table: string): boolean {
    return this.tables.has(table);
  }

  /** Records `table` as imported, on disk before it resolves. */
  async add(table: string): Promise<void> {
    if (this.tables.has(table)) return;
    this.tables.add(table);
    await fs.makeDirectory(dirname(this.file));
    await fs.replaceDurably(this.file, JSON.stringify([...this.tables].sort()));
  }
}
